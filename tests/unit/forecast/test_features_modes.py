"""Features on a hand-made history, failure-mode grouping, and the generator."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from rcagraph.forecast.history import (
    AlertRec,
    AnomalyRec,
    ChangeRec,
    ComponentRec,
    History,
    IncidentRec,
    history_rows,
)
from rcagraph.forecast.modes import (
    IncidentCause,
    ModeBook,
    cause_from_row,
    group_modes,
    mode_key,
)
from rcagraph.forecast.risk_features import (
    FEATURES,
    EventIndex,
    build_matrix,
    change_matrix,
    feature_vector,
    labels,
)
from rcagraph.synthetic.forecast_history import HistoryConfig, generate_history

T0 = datetime(2026, 3, 1, tzinfo=UTC)
LAT = "metric:latency/up"
MODE_A = mode_key("deploy", "a", LAT)


def _t(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def _history() -> History:
    h = History(
        scope="s",
        start=T0,
        end=_t(24 * 40),
        components=[ComponentRec("a", "service"), ComponentRec("b", "database")],
        edges=[("a", "b")],
    )
    h.changes = [
        ChangeRec("c1", "deploy", "a", _t(10)),
        ChangeRec("c2", "deploy", "a", _t(200)),
        ChangeRec("c3", "flag", "a", _t(205), "f1"),
        ChangeRec("c4", "config", "b", _t(206)),
    ]
    h.incidents = [
        IncidentRec("I1", "a", "deploy", LAT, _t(12), "c1"),
        IncidentRec("I2", "b", "service", "metric:error_ratio/up", _t(150)),
        IncidentRec("I3", "a", "deploy", LAT, _t(210), "c2"),
    ]
    h.anomalies = [
        AnomalyRec("a", "latency", "up", _t(12)),
        AnomalyRec("a", "latency", "up", _t(198)),
        AnomalyRec("a", "error_ratio", "up", _t(199)),
    ]
    h.alerts = [AlertRec("a", "HighLatency", _t(199)), AlertRec("a", "HighLatency", _t(12))]
    h.sort()
    return h


def _f(vec: list[float], name: str) -> float:
    return vec[FEATURES.index(name)]


def test_features_count_only_the_past() -> None:
    index = EventIndex(_history())
    t = _t(207).timestamp() / 3600
    v = feature_vector(index, "a", MODE_A, t)
    assert len(v) == len(FEATURES)
    assert _f(v, "mode_count") == pytest.approx(math.log1p(1))  # I1 only; I3 is after t
    assert _f(v, "mode_log_hours_since") == pytest.approx(math.log1p(207 - 12))
    assert _f(v, "cause_deploy") == 1.0 and _f(v, "cause_service") == 0.0
    assert _f(v, "deploys_24h") == 1.0  # c2 at 200 h; c1 is 197 h before
    assert _f(v, "deploys_7d") == 1.0
    assert _f(v, "mode_kind_changes_24h") == 1.0
    assert _f(v, "flags_24h") == 1.0
    assert _f(v, "configs_24h") == 0.0  # c4 is on b
    assert _f(v, "anomalies_24h") == 2.0
    assert _f(v, "sig_anomalies_24h") == 1.0  # latency/up only
    assert _f(v, "alerts_24h") == 1.0
    assert _f(v, "fan_out") == 1.0 and _f(v, "fan_in") == 0.0
    assert _f(v, "dep_inc_7d") == 1.0  # I2 on b, 57 h before
    assert _f(v, "dep_inc_24h") == 0.0
    assert _f(v, "inc_7d") == 0.0 and _f(v, "inc_30d") == 1.0
    lab = labels(index, MODE_A, t)
    assert lab["24h"] == (1, True)  # I3 at 210 h
    assert lab["7d"] == (1, True)


def test_future_events_do_not_change_features() -> None:
    h = _history()
    t = _t(207)
    before = feature_vector(EventIndex(h), "a", MODE_A, t.timestamp() / 3600)
    h.changes.append(ChangeRec("c9", "deploy", "a", t))  # at t: not before it
    h.anomalies.append(AnomalyRec("a", "latency", "up", t + timedelta(hours=1)))
    h.incidents.append(IncidentRec("I9", "a", "deploy", LAT, t + timedelta(minutes=1)))
    h.sort()
    after = feature_vector(EventIndex(h), "a", MODE_A, t.timestamp() / 3600)
    assert before == after


def test_rows_only_for_modes_known_before_the_origin() -> None:
    index = EventIndex(_history())
    fm = build_matrix(index, [_t(11), _t(13), _t(160)])
    keys = [(m.at, m.service, m.mode) for m in fm.meta]
    assert (_t(11), "a", MODE_A) not in keys  # first seen at 12 h
    assert (_t(13), "a", MODE_A) in keys
    assert (_t(160), "b", mode_key("service", "b", "metric:error_ratio/up")) in keys
    assert fm.X.shape == (len(keys), len(FEATURES))
    # windows reaching past the end of the history are marked incomplete
    late = build_matrix(index, [_t(24 * 40 - 10)])
    assert not late.complete["24h"].any()


def test_pending_change_is_counted_in_its_forecast_row() -> None:
    index = EventIndex(_history())
    at = _t(500)
    pending = ChangeRec("c-next", "deploy", "a", at + timedelta(hours=2))
    fm = change_matrix(index, [pending], at)
    assert [m.change_id for m in fm.meta] == ["c-next"]
    row = fm.X[0]
    assert row[FEATURES.index("deploys_24h")] == 1.0
    base = feature_vector(index, "a", MODE_A, at.timestamp() / 3600)
    assert base[FEATURES.index("deploys_24h")] == 0.0


def _cause(i: int, kind: str, svc: str, sig: str, hours: float) -> IncidentCause:
    return IncidentCause(f"u{i}", f"I{i}", _t(hours), kind, svc, sig)


def test_group_modes_counts_and_times() -> None:
    causes = [
        _cause(3, "deploy", "a", LAT, 30),
        _cause(1, "deploy", "a", LAT, 10),
        _cause(2, "config", "a", LAT, 20),
        _cause(4, "deploy", "b", LAT, 40),
    ]
    modes = group_modes(causes)
    assert set(modes) == {
        mode_key("deploy", "a", LAT),
        mode_key("config", "a", LAT),
        mode_key("deploy", "b", LAT),
    }
    m = modes[mode_key("deploy", "a", LAT)]
    assert (m.count, m.first_seen, m.last_seen) == (2, _t(10), _t(30))
    assert m.incidents == ["u1", "u3"]


def test_new_incident_matches_known_mode_or_opens_one() -> None:
    book = ModeBook(group_modes([_cause(1, "deploy", "a", LAT, 10)]).values())
    assert book.match(_cause(2, "deploy", "a", LAT, 20)) == mode_key("deploy", "a", LAT)
    # unknown cause kind joins the component's mode with the same signature
    assert book.match(_cause(3, "unknown", "a", LAT, 20)) == mode_key("deploy", "a", LAT)
    assert book.match(_cause(4, "flag", "a", LAT, 20)) is None
    book.add(_cause(4, "flag", "a", LAT, 20))
    assert len(book.modes) == 2


def test_signature_from_graph_rows() -> None:
    base = {"uid": "u", "id": "I", "started_at": T0, "symptoms": [{"service": "x"}]}
    with_log = {
        **base,
        "cause_kind": "deploy",
        "cause_service": "a",
        "metrics": ["error_ratio/up"],
        "templates": ["too many open files"],
    }
    cause = cause_from_row(with_log)
    assert cause is not None
    assert cause.key == mode_key("deploy", "a", "log:too many open files")
    metric_only = cause_from_row({**with_log, "templates": []})
    assert metric_only is not None and metric_only.signature == "metric:error_ratio/up"
    no_hyp = cause_from_row(
        {**base, "symptoms": [{"service": "x", "signal": "latency", "metric": "p95"}]}
    )
    assert no_hyp is not None
    assert (no_hyp.cause_kind, no_hyp.service, no_hyp.signature) == (
        "unknown",
        "x",
        "signal:latency",
    )
    assert cause_from_row({**base, "symptoms": []}) is None


def test_generator_is_seeded_and_has_weak_spots() -> None:
    cfg = HistoryConfig(seed=3, days=60, n_services=8)
    a, b = generate_history(cfg), generate_history(cfg)
    assert [i.started_at for i in a.incidents] == [i.started_at for i in b.incidents]
    assert len(a.changes) == len(b.changes) > 0
    c = generate_history(cfg.model_copy(update={"seed": 4}))
    assert [i.started_at for i in a.incidents] != [i.started_at for i in c.incidents]
    assert a.incidents and {i.cause_kind for i in a.incidents} <= {
        "deploy",
        "flag",
        "config",
        "infra",
        "service",
    }
    # recurring weak spots: some mode happens more than once
    counts = np.unique([i.mode_key for i in a.incidents], return_counts=True)[1]
    assert counts.max() > 1
    assert all(a.start <= i.started_at < a.end + timedelta(days=2) for i in a.incidents)
    rows = history_rows(a)
    assert len(rows.incidents) == len(a.incidents)
    assert len({r["uid"] for r in rows.anomalies}) == len(rows.anomalies)
