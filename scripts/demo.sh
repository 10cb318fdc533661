#!/usr/bin/env bash
# The demo, end to end: install rcagraph, start its own local Neo4j 5.26, apply the schema,
# load an incident bundle, rank the root-cause hypotheses (written back to the graph), print a
# post-mortem draft, show what the graph holds, then serve the API and the web workspace and
# print the workspace's address and a token to sign in with.
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
echo "== 6. the web workspace"
# a reviewer token of the teams owning the demo incident's services, seeing the demo's scope
TOKEN="$(rcagraph token create --role reviewer --name "demo-$(date +%s)-$$" \
  --team web-team --team cart-team --scope "$SCOPE")"
HOST="${RCAGRAPH_API_HOST:-127.0.0.1}"
PORT="${RCAGRAPH_API_PORT:-8080}"
echo
echo "Neo4j keeps running for you to explore (rcagraph db status); stop it with: rcagraph db stop"
echo
echo "Workspace: http://$HOST:$PORT/ui/incidents/$INCIDENT?scope=$SCOPE"
echo "Sign in with the token: $TOKEN"
# serve when run from a terminal (Ctrl-C stops it); RCAGRAPH_DEMO_SERVE=1/0 forces either way
if [ "${RCAGRAPH_DEMO_SERVE:-$([ -t 1 ] && echo 1 || echo 0)}" = 1 ]; then
  echo "Serving the API and the workspace (Ctrl-C to stop) ..."
  exec rcagraph serve --host "$HOST" --port "$PORT"
else
  echo "Start it with: rcagraph serve --host $HOST --port $PORT"
fi
