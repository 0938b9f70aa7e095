"""An optional manifest that says which files are versions of one article. Each listed group
becomes one article exactly as listed; files the manifest does not list are grouped
automatically, and never join a listed group.

    # tandem.toml
    [[article]]
    files = ["linkedin.id.txt", "linkedin.de.txt"]   # relative to this file
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from corpus.errors import InputError


def read_manifest(path: Path) -> list[tuple[Path, ...]]:
    """The manifest's articles as groups of resolved file paths.

    Raises `InputError` naming every problem at once: unreadable TOML, an article without
    files, files that do not exist, a file listed twice.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(str(path), f"the manifest cannot be read: {exc}") from None
    articles = data.get("article")
    if not isinstance(articles, list) or not articles:
        raise InputError(str(path), 'the manifest has no [[article]] entries with "files"')
    problems: list[str] = []
    groups: list[tuple[Path, ...]] = []
    seen: set[Path] = set()
    for number, entry in enumerate(articles, start=1):
        files = entry.get("files") if isinstance(entry, dict) else None
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files) or not files:
            problems.append(f"article {number} needs a list of file names in `files`")
            continue
        group = []
        for name in files:
            file = (path.parent / name).resolve()
            if not file.is_file():
                problems.append(f"article {number}: {name} does not exist")
            elif file in seen:
                problems.append(f"article {number}: {name} is listed twice")
            seen.add(file)
            group.append(file)
        groups.append(tuple(group))
    if problems:
        raise InputError(str(path), "; ".join(problems))
    return groups
