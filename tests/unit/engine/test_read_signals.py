"""The signals read builds every field of a SignalEvent from its column (no server: a driver
that answers the one columnar record the SIGNALS query returns)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, cast

import neo4j

from rcagraph.engine import queries as q
from rcagraph.engine.extract import read_signals
from rcagraph.engine.view import SignalEvent
from rcagraph.graph import Graph

AT = datetime(2026, 3, 1, 12, 0, 5, 123456, tzinfo=UTC)
END = datetime(2026, 3, 1, 12, 10, tzinfo=UTC)


class _Record:
    def __init__(self, values: list[Any]) -> None:
        self._values = values

    def values(self) -> list[Any]:
        return self._values


class _Driver:
    """Answers execute_query with one record holding ``rows`` as the ``signals`` column."""

    def __init__(self, rows: list[list[Any]]) -> None:
        self.rows = rows
        self.queries: list[str] = []

    def execute_query(self, text: str, params: dict[str, Any], **_: Any) -> Any:
        self.queries.append(text)
        return [_Record([self.rows])], None, ["signals"]


def _row(**over: Any) -> list[Any]:
    row: dict[str, Any] = {
        "uid": "s|a1",
        "kind": "metric_anomaly",
        "service": "cart",
        "at_s": int(AT.timestamp()),
        "at_ns": 123456789,
        "summary": "latency up",
        "metric": "latency_p95_ms",
        "direction": "up",
        "magnitude": 9.5,
        "source": "metrics/m.csv",
        "source_ref": "line 7",
        "severity": "error",
        "end_s": int(END.timestamp()),
        "end_ns": 0,
        "signal": "latency",
        "excess": 4.25,
        "baseline": 13.9,
        "value": 207.6,
    }
    row.update(over)
    return list(row.values())


def test_every_column_lands_in_its_field() -> None:
    driver = _Driver([_row()])
    graph = Graph(cast(neo4j.Driver, driver))
    (s,) = read_signals(graph, "scope", AT, END)
    assert driver.queries == [q.SIGNALS.text]
    assert s == SignalEvent(
        uid="s|a1",
        kind="metric_anomaly",
        service="cart",
        at=AT,  # nanoseconds truncated to microseconds, as the driver's to_native does
        summary="latency up",
        metric="latency_p95_ms",
        direction="up",
        magnitude=9.5,
        source="metrics/m.csv",
        source_ref="line 7",
        severity="ERROR",
        end_at=END,
        signal="latency",
        excess=4.25,
        baseline=13.9,
        value=207.6,
    )


def test_absent_values_and_unknown_kinds() -> None:
    rows = [
        _row(summary=None, magnitude="n/a", severity=None, end_s=None, end_ns=None, signal=None),
        _row(uid="s|x", kind="something_else"),
        _row(uid="s|y", at_s=None),
    ]
    (s,) = read_signals(Graph(cast(neo4j.Driver, _Driver(rows))), "scope", AT, END)
    assert (s.summary, s.magnitude, s.severity, s.end_at, s.signal) == ("", None, None, None, None)


def test_an_instant_before_1970_is_read() -> None:
    early = datetime(1969, 7, 20, 20, 17, 40, 500000, tzinfo=UTC)
    # Neo4j counts epochSeconds down (floor) and nanosecond up from there, as Python does
    row = _row(at_s=math.floor(early.timestamp()), at_ns=500_000_000)
    (s,) = read_signals(Graph(cast(neo4j.Driver, _Driver([row]))), "scope", AT, END)
    assert s.at == early
