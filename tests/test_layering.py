"""The libraries must not depend on the web app: importing them loads no Flask or SQLAlchemy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import importlib, json, pkgutil, sys
import corpus, decks
imported = []
for package in (corpus, decks):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
        imported.append(info.name)
forbidden = ("flask", "sqlalchemy", "alembic", "webapp")
loaded = sorted(m for m in sys.modules if m.split(".")[0] in forbidden)
print(json.dumps({"imported": imported, "loaded": loaded}))
"""


def test_libraries_do_not_import_the_web_stack() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "corpus.model" in report["imported"]
    assert "corpus.errors" in report["imported"]
    assert report["loaded"] == []
