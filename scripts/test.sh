#!/usr/bin/env bash
# The test command: installs what it needs, then lint, types, and the three test tiers
# (unit; integration and api against a real Neo4j 5.26 that the suite starts itself).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/bootstrap.sh
echo "== Neo4j distribution"
rcagraph db install
echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy --strict"
mypy
echo "== pytest"
pytest -q "$@"
