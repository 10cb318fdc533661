#!/usr/bin/env bash
# Installs rcagraph and its development tools into .venv (idempotent). Sourced by test.sh and demo.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "rcagraph needs Python 3.11+")'
command -v java >/dev/null || { echo "error: Java 17+ is needed for Neo4j (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
command -v mvn >/dev/null || { echo "error: Maven is needed to assemble Neo4j (apt-get install maven)" >&2; exit 1; }
if [ ! -x "$ROOT/.venv/bin/python" ]; then
  "$PY" -m venv "$ROOT/.venv"
fi
"$ROOT/.venv/bin/python" -m pip install -q --disable-pip-version-check -U pip
"$ROOT/.venv/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT[dev]"
export PATH="$ROOT/.venv/bin:$PATH"
