"""A small incident graph written by Cypher as the graph model defines it (test data)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rcagraph.graph import Query
from rcagraph.ids import uid

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
S = "default"

TOPOLOGY = Query(
    "tests.seed_topology",
    "UNWIND $teams AS t MERGE (team:Team {uid: t.uid}) SET team.name = t.name, team.scope = $s "
    "WITH count(*) AS _ "
    "UNWIND $components AS c MERGE (x:Component:Service {uid: c.uid}) "
    "SET x.name = c.name, x.scope = $s, x.kind = 'service' "
    "WITH c, x MATCH (team:Team {uid: c.team}) MERGE (team)-[:OWNS]->(x) "
    "WITH count(*) AS _ "
    "UNWIND $calls AS e MATCH (a:Component {uid: e[0]}), (b:Component {uid: e[1]}) "
    "MERGE (a)-[:CALLS]->(b)",
)
EVENTS = Query(
    "tests.seed_events",
    "CREATE (d:Change:Deployment:Event {uid: $chg, scope: $s, change_id: 'd-1', kind: 'deploy',"
    " at: $t_chg, service: 'cartservice', version: '2.0', previous_version: '1.9',"
    " source: 'deployments.jsonl', source_ref: 'line 1'}) "
    "WITH d MATCH (c:Component {uid: $cart}) CREATE (d)-[:CHANGED]->(c) "
    "CREATE (a:Anomaly:Event {uid: $an1, scope: $s, service: 'cartservice', "
    " metric: 'error_ratio', direction: 'up', at: $t_an1, summary: 'error ratio 0.2% → 7.5%',"
    " source: 'metrics/m.csv', source_ref: 'line 10'})-[:OBSERVED_ON]->(c) "
    "WITH a MATCH (f:Component {uid: $front}) "
    "CREATE (b:Anomaly:Event {uid: $an2, scope: $s, service: 'frontend', metric: 'latency', "
    " direction: 'up', at: $t_an2, source: 'metrics/m.csv', source_ref: 'line 20'})"
    "-[:OBSERVED_ON]->(f)",
)
HYPOTHESES = Query(
    "tests.seed_hypotheses",
    "MATCH (i:Incident {uid: $inc}) "
    "MATCH (d:Change {uid: $chg}), (a:Anomaly {uid: $an1}), (k:Component {uid: $checkout}) "
    "CREATE (i)-[:HAS_HYPOTHESIS]->(h1:Hypothesis {uid: $h1, scope: $s, rank: 1, "
    " kind: 'deploy', service: 'cartservice', change_id: 'd-1', score: 0.9, confidence: 0.8, "
    " path: ['frontend', 'checkoutservice', 'cartservice'], ranker: 'test', run_id: 'r1', "
    " created_at: $now})-[:BLAMES]->(d) "
    "CREATE (h1)-[:HAS_EVIDENCE]->(e:Evidence {uid: $e1, scope: $s, kind: 'metric_anomaly', "
    " service: 'cartservice', at: $t_an1, summary: 'error ratio 0.2% → 7.5%', weight: 0.6})"
    "-[:REFERS_TO]->(a) "
    "CREATE (i)-[:HAS_HYPOTHESIS]->(h2:Hypothesis {uid: $h2, scope: $s, rank: 2, "
    " kind: 'service', service: 'checkoutservice', score: 0.3, confidence: 0.2, path: [], "
    " ranker: 'test', run_id: 'r1', created_at: $now})-[:BLAMES]->(k)",
)
RECURRENCE = Query(
    "tests.seed_recurrence",
    "MATCH (c:Component {uid: $cart}) "
    "CREATE (a:Anomaly:Event {uid: $uid, scope: $s, service: 'cartservice', "
    " metric: 'error_ratio', direction: 'up', at: $at, source: 'metrics/later.csv', "
    " source_ref: 'line 3'})-[:OBSERVED_ON]->(c)",
)


def cuid(name: str) -> str:
    return uid(S, "Component", name)


def seed_topology_and_events(graph) -> None:  # type: ignore[no-untyped-def]
    graph.write(
        TOPOLOGY,
        s=S,
        teams=[
            {"uid": uid(S, "Team", "payments"), "name": "payments"},
            {"uid": uid(S, "Team", "web"), "name": "web"},
        ],
        components=[
            {"uid": cuid("frontend"), "name": "frontend", "team": uid(S, "Team", "web")},
            {
                "uid": cuid("checkoutservice"),
                "name": "checkoutservice",
                "team": uid(S, "Team", "web"),
            },
            {"uid": cuid("cartservice"), "name": "cartservice", "team": uid(S, "Team", "payments")},
        ],
        calls=[
            [cuid("frontend"), cuid("checkoutservice")],
            [cuid("checkoutservice"), cuid("cartservice")],
        ],
    )
    graph.write(
        EVENTS,
        s=S,
        chg=uid(S, "Change", "deploy", "d-1"),
        cart=cuid("cartservice"),
        front=cuid("frontend"),
        an1=uid(S, "Anomaly", "cart-1"),
        an2=uid(S, "Anomaly", "front-1"),
        t_chg=T0 - timedelta(minutes=3),
        t_an1=T0 + timedelta(minutes=1),
        t_an2=T0 + timedelta(minutes=2),
    )


def seed_hypotheses(graph, incident_id: str = "INC-1") -> dict[str, str]:  # type: ignore[no-untyped-def]
    ids = {"h1": f"{S}|Hypothesis|r1|1", "h2": f"{S}|Hypothesis|r1|2"}
    graph.write(
        HYPOTHESES,
        s=S,
        inc=uid(S, "Incident", incident_id),
        chg=uid(S, "Change", "deploy", "d-1"),
        an1=uid(S, "Anomaly", "cart-1"),
        checkout=cuid("checkoutservice"),
        h1=ids["h1"],
        h2=ids["h2"],
        e1=f"{S}|Evidence|r1|1|1",
        now=datetime.now(UTC),
        t_an1=T0 + timedelta(minutes=1),
    )
    return ids


def seed_recurrence(graph, at: datetime) -> None:  # type: ignore[no-untyped-def]
    graph.write(RECURRENCE, s=S, cart=cuid("cartservice"), uid=uid(S, "Anomaly", "cart-2"), at=at)


INCIDENT = {
    "id": "INC-1",
    "title": "Checkout latency above SLO",
    "severity": "SEV2",
    "system": "boutique",
    "started_at": T0.isoformat(),
    "detected_at": (T0 + timedelta(minutes=9)).isoformat(),
    "symptoms": [{"service": "frontend", "signal": "latency"}],
}
