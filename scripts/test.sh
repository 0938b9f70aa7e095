#!/usr/bin/env bash
# The one command that sets up a fresh Debian machine (Python 3.11) and runs every check:
# installs Chromium for the browser tests, the package with its test extras, then lint, format,
# type checks and the whole pytest suite. Extra arguments go to pytest.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# A virtual environment of our own, so the same command works on a Debian system Python (which
# refuses system-wide pip installs) and in CI's fresh clone. An active one is used as it is.
if [[ -z "${VIRTUAL_ENV:-}" ]]; then
    [[ -x .venv/bin/python ]] || "$(command -v python3 || command -v python)" -m venv .venv
    PYTHON="$PWD/.venv/bin/python"
else
    PYTHON="$(command -v python)"
fi

if [[ ! -x /usr/bin/chromium ]]; then
    if [[ "$(id -u)" -eq 0 ]]; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
    else
        echo "scripts/test.sh: /usr/bin/chromium is missing and the browser tests need it." >&2
        echo "  Run this script as root, or first: sudo apt-get install chromium" >&2
    fi
fi

"$PYTHON" -m pip install --quiet --upgrade pip
"$PYTHON" -m pip install --quiet -e '.[test]'
"$PYTHON" -m ruff check .
"$PYTHON" -m ruff format --check .
"$PYTHON" -m mypy --strict corpus decks
"$PYTHON" -m pytest -q "$@"
