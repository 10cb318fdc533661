"""Extract → rank → write back → read back, on a small scoped graph written by Cypher."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta

from rcagraph.core import RcaGraph
from rcagraph.engine.extract import extract_view
from rcagraph.engine.result import Ranking
from rcagraph.engine.scorer import DefaultScorer
from rcagraph.engine.view import IncidentView, SignalEvent
from rcagraph.engine.writeback import hypothesis_rows
from rcagraph.graph import Query
from rcagraph.ids import uid

ONSET = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

_SEED = Query(
    "test.engine.seed",
    """
UNWIND $components AS name
MERGE (c:Component:Service {uid: $scope + '|Component|' + name})
  SET c.scope = $scope, c.name = name, c.kind = 'service', c.source = 'test'
WITH count(*) AS _
UNWIND $edges AS e
MATCH (a:Component {scope: $scope, name: e[0]}), (b:Component {scope: $scope, name: e[1]})
MERGE (a)-[:CALLS {calls: 1.0}]->(b)
WITH count(*) AS _
MATCH (fe:Component {scope: $scope, name: 'frontend'})
MERGE (i:Incident {uid: $scope + '|Incident|' + $incident})
  SET i.scope = $scope, i.id = $incident, i.title = 't', i.severity = 'SEV2',
      i.system = 'shop', i.started_at = $onset
MERGE (i)-[:HAS_SYMPTOM {signal: 'latency'}]->(fe)
WITH count(*) AS _
UNWIND $changes AS ch
MATCH (c:Component {scope: $scope, name: ch.service})
MERGE (d:Change:Deployment:Event {uid: $scope + '|Change|' + ch.id})
  SET d.scope = $scope, d.change_id = ch.id, d.kind = 'deploy', d.at = ch.at,
      d.service = ch.service, d.source = 'deployments.jsonl', d.source_ref = 'line 1'
MERGE (d)-[:CHANGED]->(c)
WITH count(*) AS _
UNWIND $anomalies AS an
MATCH (c:Component {scope: $scope, name: an.service})
MERGE (a:Anomaly:Event {uid: $scope + '|Anomaly|' + an.service + '|' + toString(an.at)})
  SET a.scope = $scope, a.service = an.service, a.at = an.at, a.metric = 'latency',
      a.direction = 'up', a.magnitude = 9.0, a.summary = 'latency up',
      a.source = 'metrics/m.csv', a.source_ref = 'line 7'
MERGE (a)-[:OBSERVED_ON]->(c)
""",
)

_FLAG = Query(
    "test.engine.flag",
    """
MATCH (c:Component {scope: $scope, name: 'payment'})
MERGE (f:Flag {uid: $scope + '|Flag|newpay'}) SET f.scope = $scope, f.key = 'newpay'
MERGE (c)-[:USES_FLAG]->(f)
MERGE (x:Change:FlagChange:Event {uid: $scope + '|Change|flag-1'})
  SET x.scope = $scope, x.change_id = 'flag-1', x.kind = 'flag', x.at = $at
MERGE (x)-[:TOGGLED]->(f)
""",
)


def t(m: float) -> datetime:
    return ONSET + timedelta(minutes=m)


def seed(rca: RcaGraph, scope: str, incident: str, root: str) -> None:
    rca.graph.write(
        _SEED,
        scope=scope,
        incident=incident,
        onset=ONSET,
        components=["frontend", "checkout", "cart", "payment", "batch"],
        edges=[["frontend", "checkout"], ["checkout", "cart"], ["checkout", "payment"]],
        changes=[
            {"id": f"dep-{root}", "service": root, "at": t(-10)},
            {"id": "dep-old", "service": "payment", "at": t(-300)},
        ],
        anomalies=[
            {"service": root, "at": t(-8)},
            {"service": "checkout", "at": t(-5)},
            {"service": "frontend", "at": t(-2)},
        ],
    )
    rca.graph.write(_FLAG, scope=scope, at=t(-30))


def test_extract_rank_write_back_and_scope_isolation(rca: RcaGraph) -> None:
    seed(rca, "bundle:A", "INC-A", "cart")
    seed(rca, "bundle:B", "INC-B", "payment")  # another scope, same names
    view = extract_view(rca.graph, "INC-A", "bundle:A")
    assert view.incident.started_at == ONSET
    assert [s.service for s in view.incident.symptoms] == ["frontend"]
    assert {c.change_id for c in view.changes} == {"dep-cart", "flag-1"}  # dep-old: too old
    flag = next(c for c in view.changes if c.change_id == "flag-1")
    assert flag.services == ("payment",)  # TOGGLED → Flag ← USES_FLAG
    assert all(c.uid.startswith("bundle:A|") for c in view.changes)
    assert all(s.uid.startswith("bundle:A|") for s in view.signals)
    assert "dep-payment" not in {c.change_id for c in view.changes}
    assert ("checkout", "cart") in {(e.src, e.dst) for e in view.edges}
    assert view.components["cart"].uid == uid("bundle:A", "Component", "cart")

    ranking = rca.rank("INC-A", "bundle:A")
    top = ranking.candidates[0]
    assert (top.kind, top.service, top.change_id) == ("deploy", "cart", "dep-cart")
    assert top.path == ("frontend", "checkout", "cart")
    assert {"extract", "rank"} <= set(ranking.timings_ms)

    run = rca.write_back(ranking, run_id="r1")
    rca.write_back(ranking, run_id="r1")  # idempotent per run
    rows = hypothesis_rows(rca.graph, "INC-A", "bundle:A", run)
    assert len(rows) == len(ranking.candidates)
    first = rows[0]
    assert first["rank"] == 1 and first["change_id"] == "dep-cart"
    assert first["blames"] == ["bundle:A|Change|dep-cart"]
    refs = {e["refers_to"] for e in first["evidence"]}
    assert "bundle:A|Change|dep-cart" in refs
    assert any(r and r.startswith("bundle:A|Anomaly|cart") for r in refs)
    # nothing was written to the other scope, and its incident ranks its own root
    assert hypothesis_rows(rca.graph, "INC-B", "bundle:B") == []
    other = rca.rank("INC-B", "bundle:B").candidates[0]
    assert other.change_id == "dep-payment"
    n = rca.graph.read_value(
        Query("test.engine.count", "MATCH (h:Hypothesis) RETURN count(h) AS n")
    )
    assert n == len(ranking.candidates)


_LOGS = Query(
    "test.engine.logs",
    """
MATCH (c:Component {scope: $scope, name: 'payment'})
MERGE (tp:LogTemplate {uid: $scope + '|LogTemplate|start'})
  SET tp.scope = $scope, tp.template = 'starting payment version <*>', tp.severity = 'INFO'
MERGE (e:LogEvent:Event {uid: $scope + '|LogEvent|start'})
  SET e.scope = $scope, e.kind = 'new_template', e.service = 'payment', e.at = $at
MERGE (e)-[:OF_TEMPLATE]->(tp)
MERGE (e)-[:OBSERVED_ON]->(c)
MERGE (b:LogEvent:Event {uid: $scope + '|LogEvent|burst'})
  SET b.scope = $scope, b.kind = 'error_burst', b.service = 'payment', b.at = $at
MERGE (b)-[:OBSERVED_ON]->(c)
""",
)


def test_extract_reads_the_log_level_of_a_new_template(rca: RcaGraph) -> None:
    seed(rca, "bundle:A", "INC-A", "cart")
    rca.graph.write(_LOGS, scope="bundle:A", at=t(-9))
    view = extract_view(rca.graph, "INC-A", "bundle:A")
    logs = {s.kind: s for s in view.signals if s.service == "payment"}
    assert logs["new_log_template"].severity == "INFO"
    assert logs["log_burst"].severity is None  # no template: level unknown
    assert all(s.severity is None for s in view.signals if s.kind == "metric_anomaly")
    # the payment deploy's start line is no failure: cart's deploy still ranks first
    assert rca.rank("INC-A", "bundle:A").candidates[0].change_id == "dep-cart"


_END_AT = Query(
    "test.engine.end_at",
    """
MATCH (a:Anomaly {scope: $scope, service: 'cart'})
SET a.end_at = a.at + duration({minutes: 10})
""",
)


def test_extract_reads_the_end_of_a_metric_anomaly(rca: RcaGraph) -> None:
    seed(rca, "bundle:A", "INC-A", "cart")
    rca.graph.write(_END_AT, scope="bundle:A")
    view = extract_view(rca.graph, "INC-A", "bundle:A")
    cart = [s for s in view.signals if s.service == "cart"]
    assert cart and all(s.end_at == s.at + timedelta(minutes=10) for s in cart)
    assert all(s.end_at is None for s in view.signals if s.service != "cart")


class _RecordingScorer(DefaultScorer):
    """The default scorer, noting whether the cyclic collector ran while it ranked."""

    def __init__(self) -> None:
        super().__init__()
        self.collector_on: list[bool] = []

    def rank(self, view: IncidentView) -> Ranking:
        self.collector_on.append(gc.isenabled())
        return super().rank(view)


def test_ranking_pauses_the_collector_and_reads_the_same_view(rca: RcaGraph) -> None:
    seed(rca, "bundle:A", "INC-A", "cart")
    scorer = _RecordingScorer()
    assert gc.isenabled()
    ranking = rca.rank("INC-A", "bundle:A", scorer)
    assert scorer.collector_on == [False] and gc.isenabled()
    # the signals, read on a second connection, are the ones a sequential read gives
    view = extract_view(rca.graph, "INC-A", "bundle:A")
    signals = rca.graph.read(
        Query(
            "test.engine.signal_uids",
            "MATCH (e:Event {scope: $scope}) WHERE e:Anomaly OR e:LogEvent OR e:Alert "
            "RETURN e.uid AS uid ORDER BY e.at, e.uid",
        ),
        scope="bundle:A",
    )
    assert [s.uid for s in view.signals] == [r["uid"] for r in signals]
    assert ranking.candidates[0].change_id == "dep-cart"


_FULL_SIGNALS = Query(
    "test.engine.full_signals",
    """
MATCH (c:Component {scope: $scope, name: 'cart'})
MERGE (a:Anomaly:Event {uid: $scope + '|Anomaly|full'})
  SET a.scope = $scope, a.service = 'cart', a.at = $at, a.end_at = $end,
      a.metric = 'latency_p95_ms', a.direction = 'up', a.magnitude = 9.5,
      a.summary = 'latency up', a.source = 'metrics/m.csv', a.source_ref = 'line 7',
      a.signal = 'latency', a.excess = 4.25, a.baseline = 13.9, a.value = 207.6
MERGE (a)-[:OBSERVED_ON]->(c)
MERGE (tp:LogTemplate {uid: $scope + '|LogTemplate|boom'})
  SET tp.scope = $scope, tp.template = 'payment failed <*>', tp.severity = 'error'
MERGE (l:LogEvent:Event {uid: $scope + '|LogEvent|boom'})
  SET l.scope = $scope, l.kind = 'new_template', l.service = 'cart', l.at = $early,
      l.baseline_ratio = 160.0, l.source = 'logs/app.jsonl', l.source_ref = 'line 3'
MERGE (l)-[:OF_TEMPLATE]->(tp)
MERGE (l)-[:OBSERVED_ON]->(c)
""",
)


def test_extract_reads_every_field_of_a_signal(rca: RcaGraph) -> None:
    """Each column of the signals read lands in its SignalEvent field (positional build)."""
    seed(rca, "bundle:A", "INC-A", "cart")
    at = datetime(2026, 3, 1, 11, 56, 5, 123456, tzinfo=UTC)
    rca.graph.write(_FULL_SIGNALS, scope="bundle:A", at=at, end=t(10), early=t(-50))
    by_uid = {s.uid: s for s in extract_view(rca.graph, "INC-A", "bundle:A").signals}
    assert by_uid["bundle:A|Anomaly|full"] == SignalEvent(
        uid="bundle:A|Anomaly|full",
        kind="metric_anomaly",
        service="cart",
        at=at,
        summary="latency up",
        metric="latency_p95_ms",
        direction="up",
        magnitude=9.5,
        source="metrics/m.csv",
        source_ref="line 7",
        severity=None,
        end_at=t(10),
        signal="latency",
        excess=4.25,
        baseline=13.9,
        value=207.6,
    )
    log = by_uid["bundle:A|LogEvent|boom"]
    assert (log.kind, log.at, log.severity, log.magnitude, log.source_ref) == (
        "new_log_template",
        t(-50),
        "ERROR",
        160.0,
        "line 3",
    )
    assert (log.metric, log.end_at, log.signal, log.excess) == (None, None, None, None)
