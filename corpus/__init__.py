"""Tandem's text pipeline: read scraped articles, clean them, detect their languages, group
translations, split paragraphs and sentences, and align them.

A plain library (no Flask, no database): `corpus.ingest` is the entry point, `corpus.model`
holds the value objects it returns.
"""
