"""Cards built from aligned sentence pairs, their FSRS schedule, and Anki export.

Pure library: no Flask and no database. Filled in by the flashcard and export work.
"""
