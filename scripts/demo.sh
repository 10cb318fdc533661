#!/usr/bin/env bash
# The demo: installs rcagraph, starts its own local Neo4j, applies the schema, loads an incident
# bundle, and shows what is in the graph.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/bootstrap.sh
BUNDLE="${1:-examples/bundles/checkout-latency}"
rcagraph db start
rcagraph schema apply
if rcagraph --help | grep -q " load "; then
  rcagraph load "$BUNDLE" --scope demo
fi
rcagraph stats
