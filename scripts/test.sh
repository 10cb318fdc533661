#!/usr/bin/env bash
# The test command: installs what it needs, then lint, types, and the test tiers (unit;
# integration and api against a real Neo4j 5.26 that the suite starts itself; browser: the web
# workspace in Debian's Chromium, driven by Playwright — its own browsers are never downloaded).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/bootstrap.sh
echo "== Chromium (the browser tier)"
if [ ! -x "${RCAGRAPH_TEST_CHROMIUM:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo -n"; else
    echo "error: Chromium is missing and this user cannot install it (apt-get install -y chromium as root)" >&2
    exit 1
  fi
  command -v apt-get >/dev/null || { echo "error: Chromium is missing and there is no apt-get to install it" >&2; exit 1; }
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 \
    || { $SUDO apt-get update -q >/dev/null && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; } \
    || { echo "error: apt-get install chromium failed" >&2; exit 1; }
fi
"${RCAGRAPH_TEST_CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null
echo "== Neo4j distribution"
rcagraph db install
echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy --strict"
mypy
echo "== pytest"
pytest -q "$@"
