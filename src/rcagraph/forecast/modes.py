"""Failure modes: past incidents grouped by root-cause kind, component and signature.

A failure mode's key is ``<cause kind>|<component>|<signature>``. The signature is what marked
the incident: the metric and direction of the anomaly its confirmed hypothesis rests on
(``metric:latency/up``), or the log template (``log:connection refused to <*>:<*>``); where an
incident has no confirmed hypothesis, its cause kind is ``unknown`` and its signature comes from
its first symptom (``signal:errors``).

:func:`group_modes` is the pure grouping (used in memory by the backtest); :func:`ModeBook`
matches a new incident to a known mode or opens a new one; :func:`build_failure_modes` reads a
scope's incidents, groups them and writes ``(:Incident)-[:OF_MODE]->(:FailureMode)-[:AFFECTS]->
(:Component)`` with ``count``, ``first_seen`` and ``last_seen``, merging on ``uid`` (running it
twice changes nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import rcagraph.forecast.queries as queries
from rcagraph.__version__ import __version__
from rcagraph.graph import Graph
from rcagraph.ids import uid

UNKNOWN_KIND = "unknown"
FORECAST_VERSION = f"rcagraph.forecast/{__version__}"


def mode_key(cause_kind: str, service: str, signature: str) -> str:
    return f"{cause_kind}|{service}|{signature}"


def parse_mode_key(key: str) -> tuple[str, str, str]:
    kind, service, signature = key.split("|", 2)
    return kind, service, signature


@dataclass(frozen=True, slots=True)
class IncidentCause:
    """What a failure mode is derived from: one incident's cause and signature."""

    incident_uid: str
    incident_id: str
    started_at: datetime
    cause_kind: str
    service: str
    signature: str

    @property
    def key(self) -> str:
        return mode_key(self.cause_kind, self.service, self.signature)


@dataclass(slots=True)
class FailureModeInfo:
    key: str
    cause_kind: str
    service: str
    signature: str
    count: int
    first_seen: datetime
    last_seen: datetime
    incidents: list[str] = field(default_factory=list)  # incident uids

    def to_row(self, scope: str) -> dict[str, Any]:
        return {
            "uid": uid(scope, "FailureMode", self.key),
            "key": self.key,
            "cause_kind": self.cause_kind,
            "service": self.service,
            "signature": self.signature,
            "count": self.count,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "incidents": list(self.incidents),
        }


class ModeBook:
    """Known failure modes; matches incidents to them in time order, opening new ones."""

    def __init__(self, modes: Iterable[FailureModeInfo] = ()) -> None:
        self.modes: dict[str, FailureModeInfo] = {m.key: m for m in modes}

    def match(self, cause: IncidentCause) -> str | None:
        """The key of the known mode this incident belongs to, or None (a new mode).

        Exact key first. An incident of unknown cause kind joins the most frequent known mode
        with the same component and signature.
        """
        if cause.key in self.modes:
            return cause.key
        if cause.cause_kind == UNKNOWN_KIND:
            same = [
                m
                for m in self.modes.values()
                if m.service == cause.service and m.signature == cause.signature
            ]
            if same:
                return max(same, key=lambda m: (m.count, m.key)).key
        return None

    def add(self, cause: IncidentCause) -> FailureModeInfo:
        """Record ``cause`` in its mode (matched or new); returns the mode."""
        key = self.match(cause)
        if key is None:
            mode = FailureModeInfo(
                cause.key,
                cause.cause_kind,
                cause.service,
                cause.signature,
                0,
                cause.started_at,
                cause.started_at,
            )
            self.modes[cause.key] = mode
        else:
            mode = self.modes[key]
        mode.count += 1
        mode.first_seen = min(mode.first_seen, cause.started_at)
        mode.last_seen = max(mode.last_seen, cause.started_at)
        if cause.incident_uid not in mode.incidents:
            mode.incidents.append(cause.incident_uid)
        return mode


def group_modes(causes: Sequence[IncidentCause]) -> dict[str, FailureModeInfo]:
    """Group incidents into failure modes, in time order (deterministic)."""
    book = ModeBook()
    for cause in sorted(causes, key=lambda c: (c.started_at, c.incident_id)):
        book.add(cause)
    return book.modes


def cause_from_row(row: Mapping[str, Any]) -> IncidentCause | None:
    """An :class:`IncidentCause` from a row of ``READ_INCIDENT_CAUSES`` (None: no component)."""
    symptoms = [s for s in row.get("symptoms") or [] if s and s.get("service")]
    symptoms.sort(key=lambda s: str(s.get("service")))
    kind = row.get("cause_kind") or UNKNOWN_KIND
    service = row.get("cause_service") or (symptoms[0]["service"] if symptoms else None)
    if not service:
        return None
    templates = sorted(t for t in row.get("templates") or [] if t)
    metrics = sorted(m for m in row.get("metrics") or [] if m)
    if templates:
        signature = f"log:{templates[0]}"
    elif metrics:
        signature = f"metric:{metrics[0]}"
    elif symptoms:
        first = symptoms[0]
        signature = f"signal:{first.get('signal') or first.get('metric') or 'other'}"
    else:
        signature = "signal:other"
    started = row["started_at"]
    if hasattr(started, "to_native"):
        started = started.to_native()
    return IncidentCause(
        str(row["uid"]), str(row["id"]), started, str(kind), str(service), signature
    )


@dataclass(frozen=True, slots=True)
class ModesReport:
    incidents: int
    modes: int
    skipped: int  # incidents without any component to attach a mode to


def read_causes(graph: Graph, scope: str) -> tuple[list[IncidentCause], int]:
    causes: list[IncidentCause] = []
    skipped = 0
    for row in graph.read(queries.READ_INCIDENT_CAUSES, scope=scope):
        cause = cause_from_row(row)
        if cause is None:
            skipped += 1
        else:
            causes.append(cause)
    return causes, skipped


def build_failure_modes(graph: Graph, scope: str, *, batch_size: int = 1000) -> ModesReport:
    """Group the scope's incidents into :FailureMode nodes and link them (idempotent)."""
    causes, skipped = read_causes(graph, scope)
    modes = group_modes(causes)
    rows = [m.to_row(scope) for m in modes.values()]
    graph.write_batches(
        queries.WRITE_MODES,
        rows,
        batch_size=batch_size,
        extra={"scope": scope, "source": "rcagraph.forecast.modes", "version": FORECAST_VERSION},
    )
    graph.write(queries.DELETE_ORPHAN_MODES, scope=scope)
    return ModesReport(incidents=len(causes), modes=len(modes), skipped=skipped)
