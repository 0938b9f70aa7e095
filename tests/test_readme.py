"""The README stays honest: every CLI command is documented, and the quick start is two
commands whose test half is exactly what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from webapp.cli import cli

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme() -> None:
    names = sorted(cli.commands)
    assert {"ingest", "articles", "pairs", "align", "serve"} <= set(names)
    for name in names:
        assert f"`tandem {name}" in README, name


def test_ci_runs_the_readme_test_command() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(
        r"^(?!#)(\S.*)$", quick_start.split("```sh", 1)[1].split("```")[0], re.MULTILINE
    )
    assert len(commands) == 2
    assert commands[1] == "bash scripts/test.sh"
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
