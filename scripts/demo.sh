#!/usr/bin/env bash
# The demo, end to end: install rcagraph, start its own local Neo4j 5.26, apply the schema,
# load an incident bundle, rank the root-cause hypotheses (written back to the graph), print a
# post-mortem draft, and show what the graph holds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/bootstrap.sh
BUNDLE="${1:-examples/bundles/checkout-latency}"
SCOPE="${RCAGRAPH_DEMO_SCOPE:-demo}"
INCIDENT="$(python -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$BUNDLE/incident.json")"

echo "== 1. a local Neo4j 5.26 (assembled from Maven Central on first use)"
rcagraph db start
rcagraph schema apply
echo "== 2. load $BUNDLE into scope $SCOPE"
rcagraph load "$BUNDLE" --scope "$SCOPE" --no-progress
echo "== 3. ranked root-cause hypotheses for $INCIDENT (written back to the graph)"
rcagraph rank --incident "$INCIDENT" --scope "$SCOPE"
echo "== 4. post-mortem draft"
rcagraph postmortem "$INCIDENT" --scope "$SCOPE" --format md
echo "== 5. what the graph holds (scope $SCOPE)"
rcagraph stats --scope "$SCOPE"
echo
echo "Neo4j keeps running for you to explore (rcagraph db status); stop it with: rcagraph db stop"
