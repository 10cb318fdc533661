"""The example Cypher of docs/graph-model.md runs against a real Neo4j and finds what it says."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from rcagraph.core import RcaGraph
from rcagraph.graph import Query

DOC = Path(__file__).resolve().parents[2] / "docs" / "graph-model.md"
BLOCK = re.compile(r"```cypher\n// params: (\{.*?\})\n(.*?)```", re.S)

SEED = Query(
    "t.seed_docs",
    """
    CREATE (f:Component {uid: 'default|Component|frontend', scope: 'default', name: 'frontend',
                         kind: 'service', metric_series: 3})
    CREATE (c:Component {uid: 'default|Component|checkoutservice', scope: 'default',
                         name: 'checkoutservice', kind: 'service'})
    CREATE (k:Component {uid: 'default|Component|cartservice', scope: 'default',
                         name: 'cartservice', kind: 'service', metric_series: 2})
    CREATE (:Anomaly:Event {uid: 'default|Anomaly|x1', scope: 'default',
            at: datetime('2026-03-01T12:01:00Z')})-[:OBSERVED_ON]->(k)
    CREATE (lb:Component {uid: 'default|Component|cart-lb', scope: 'default', name: 'cart-lb',
                          kind: 'loadbalancer', instrumented: false})
    CREATE (c)-[:CALLS]->(lb)
    CREATE (t:Team {uid: 'default|Team|cart-team', scope: 'default', name: 'cart-team'})
    CREATE (t)-[:OWNS]->(k)
    CREATE (f)-[:CALLS]->(c)-[:DEPENDS_ON]->(k)
    CREATE (d:Change:Deployment:Event {uid: 'default|Change|9f1c', scope: 'default',
            change_id: '9f1c', kind: 'deploy', at: datetime('2026-03-01T11:58:00Z'),
            summary: 'deploy cartservice 1.4.2'})-[:CHANGED]->(k)
    CREATE (a:Alert:Event {uid: 'default|Alert|a1b2c3', scope: 'default', fingerprint: 'a1b2c3',
            name: 'HighLatency', at: datetime('2026-03-01T12:05:00Z')})-[:OBSERVED_ON]->(f)
    CREATE (i:Incident {uid: 'default|Incident|INC-1042', scope: 'default', id: 'INC-1042'})
    CREATE (i)-[:HAS_HYPOTHESIS]->(h:Hypothesis {uid: 'h1', scope: 'default', rank: 1,
            kind: 'deploy', service: 'cartservice', change_id: '9f1c', confidence: 0.9})
    CREATE (h)-[:HAS_EVIDENCE]->(:Evidence {uid: 'e1', scope: 'default', summary: 'latency up'})
    CREATE (pm:PostMortem {uid: 'pm1', scope: 'default', incident_id: 'INC-1042'})
    CREATE (pm)-[:HAS_ACTION]->(:Action {uid: 'a1', scope: 'default', title: 'add alert',
            owner: 'cart-team', status: 'open', due: date('2026-03-10')})
    """,
)


def _blocks() -> list[tuple[dict[str, Any], str]]:
    return [(json.loads(p), q) for p, q in BLOCK.findall(DOC.read_text())]


def test_doc_has_examples() -> None:
    assert len(_blocks()) >= 5


@pytest.mark.parametrize("index", range(8))
def test_doc_query_runs_and_finds_the_seeded_answer(rca: RcaGraph, index: int) -> None:
    rca.graph.write(SEED)
    params, text = _blocks()[index]
    rows = rca.graph.read(Query(f"docs.example{index}", text), **params)
    assert rows, f"example {index} found nothing on the seeded graph"
    if index == 0:
        assert rows[0]["change"] == "9f1c"
        assert rows[0]["path"] == ["frontend", "checkoutservice", "cartservice"]
    if index == 1:
        assert rows[0]["hops"] == 2
    if index == 3:
        assert rows[0]["evidence"] == ["latency up"]
    if index == 5:
        assert rows == [
            {
                "seen_by_callers": "cart-lb",
                "kind": "loadbalancer",
                "callers": ["checkoutservice"],
                "instrumented_peers": ["cartservice"],
            }
        ]
    if index == 6:
        assert rows == [
            {"component": "cartservice", "series": 2, "anomalies": 1, "state": "failing"},
            {"component": "frontend", "series": 3, "anomalies": 0, "state": "watched, healthy"},
        ]
