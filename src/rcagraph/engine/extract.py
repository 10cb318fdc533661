"""Build an :class:`IncidentView` from the graph: a fixed handful of scoped Cypher queries.

1. the incident and its symptoms (``HAS_SYMPTOM``);
2. the symptoms' dependency neighbourhood over ``DEPENDS_ON|CALLS`` (bounded depth, both what
   they need and who calls them);
3. every ``:Change`` from ``lookback`` before onset to ``change_after`` after it, with the
   components it touches (``CHANGED``, or ``TOGGLED→Flag←USES_FLAG``);
4. the signals (``:Anomaly``, ``:LogEvent``, ``:Alert`` via ``OBSERVED_ON``) in the window;
5. the components and the dependency edges among everything seen above;
6. the canary verdicts (``:CanaryVerdict``) in the window.

Only nodes of the given scope are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import neo4j
from pydantic import BaseModel, Field

from rcagraph.engine import queries as q
from rcagraph.engine.rollout import prefer_records, scale_up_times, with_rollout_steps
from rcagraph.engine.view import (
    CanaryVerdict,
    ChangeEvent,
    ComponentInfo,
    Edge,
    IncidentInfo,
    IncidentView,
    SignalEvent,
    Symptom,
)
from rcagraph.errors import NotFoundError
from rcagraph.graph import Graph, Query, translate_errors

_SIGNAL_KINDS = {"metric_anomaly", "log_burst", "new_log_template", "alert"}


class ExtractConfig(BaseModel):
    """What part of the graph a ranker sees of an incident."""

    depth: int = Field(default=4, ge=1, le=q.MAX_DEPTH, description="dependency hops")
    lookback: timedelta = Field(
        default=timedelta(hours=2), description="changes and signals before onset"
    )
    change_after: timedelta = Field(
        default=timedelta(minutes=10), description="changes after onset (clock skew, late data)"
    )
    signal_after: timedelta = Field(
        default=timedelta(minutes=30), description="signals after onset (propagation to callers)"
    )


def to_datetime(value: Any) -> datetime | None:
    """A driver temporal (or Python datetime) as an aware UTC ``datetime``."""
    if value is None:
        return None
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    raise TypeError(f"not a datetime: {value!r}")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_datetime(seconds: Any, nanosecond: Any) -> datetime | None:
    """An instant read as ``x.epochSeconds, x.nanosecond`` as the aware UTC ``datetime`` that
    :func:`to_datetime` gives for ``x`` (nanoseconds truncated to microseconds, like the
    driver's ``to_native``), without hydrating a driver ``DateTime`` per row (this runs once
    per signal of a view: thousands of times)."""
    if seconds is None:
        return None
    micro = int(nanosecond or 0) // 1000
    try:
        return datetime.fromtimestamp(int(seconds), UTC).replace(microsecond=micro)
    except (OverflowError, OSError, ValueError):  # outside the platform's time_t range
        return _EPOCH + timedelta(seconds=int(seconds), microseconds=micro)


def read_columns(graph: Graph, query: Query, **params: Any) -> dict[str, Any]:
    """The single record of a columnar read query as a dict, values as the driver returns them.

    Large results are returned as one record of lists (``collect([...])``): the driver's
    per-record cost and :meth:`neo4j.Record.data`'s recursive copy of every value dominate
    extraction time on views of thousands of signals; a single record read with
    ``Record.values`` avoids both (the values are plain lists, strings and numbers).
    """
    with translate_errors(query.name):
        records, _, keys = graph.driver.execute_query(
            query.text,
            params,
            database_=graph.database,
            routing_=neo4j.RoutingControl.READ,
        )
    if not records:
        return {k: [] for k in keys}
    return dict(zip(keys, records[0].values(), strict=True))


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def read_signals(graph: Graph, scope: str, start: datetime, end: datetime) -> list[SignalEvent]:
    """The signals of ``scope`` in ``[start, end]``, in time order (one columnar read).

    Built positionally, in :class:`SignalEvent`'s field order: on thousands of signals the
    keyword form of a frozen dataclass costs more than the read."""
    cols = read_columns(graph, q.SIGNALS, scope=scope, start=start, end=end)
    out: list[SignalEvent] = []
    append = out.append
    for row in cols["signals"]:
        uid_, kind, service, at_s, at_ns, summary, metric, direction, mag, src, ref, sev = row[:12]
        end_s, end_ns, signal, excess, baseline, value = row[12:18]
        at = epoch_datetime(at_s, at_ns)
        if at is None or kind not in _SIGNAL_KINDS:
            continue
        append(
            SignalEvent(
                str(uid_),
                kind,
                str(service),
                at,
                str(summary or ""),
                metric,
                direction,
                _float(mag),
                src,
                ref,
                str(sev).upper() if sev else None,
                epoch_datetime(end_s, end_ns),
                str(signal) if signal else None,
                _float(excess),
                _float(baseline),
                _float(value),
            )
        )
    return out


def neighbourhood_names(
    graph: Graph, scope: str, symptoms: Sequence[Symptom], depth: int
) -> set[str]:
    """The symptoms and the components within ``depth`` dependency hops of them, both ways."""
    names = {s.service for s in symptoms}
    if names:
        for nb in graph.read(q.neighbourhood(depth), scope=scope, symptoms=sorted(names)):
            names.update(nb["down"])
            names.update(nb["up"])
    return names


def read_changes(graph: Graph, scope: str, start: datetime, end: datetime) -> list[ChangeEvent]:
    """The changes of ``scope`` in ``[start, end]`` with the components each touches (as the
    graph records them: no record preferred, no rollout steps merged yet)."""
    changes: list[ChangeEvent] = []
    for c in graph.read(q.CHANGES, scope=scope, start=start, end=end):
        at = epoch_datetime(c["at_s"], c["at_ns"])
        if at is None:
            continue
        touched = list(dict.fromkeys([*c["changed"], *c["flag_users"]]))
        if not touched and c.get("service"):
            touched = [str(c["service"])]
        action = c.get("action")
        changes.append(
            ChangeEvent(
                uid=str(c["uid"]),
                change_id=str(c["change_id"]),
                kind=str(c.get("kind") or "other"),
                at=at,
                services=tuple(touched),
                summary=str(c.get("summary") or ""),
                action=action,
                version=c.get("version"),
                rollback=bool(c.get("rollback")) or (action or "").startswith("rolledback"),
                rollout_share=_float(c.get("rollout_share")),
                first_deploy_of_version=c.get("first_deploy_of_version"),
                flag_key=c.get("flag_key"),
                source=c.get("source"),
                source_ref=c.get("source_ref"),
                observed=bool(c.get("observed")),
                rollout_steps=scale_up_times(c.get("rollout_steps")),
            )
        )
    return changes


def extract_view(
    graph: Graph, incident_id: str, scope: str, config: ExtractConfig | None = None
) -> IncidentView:
    """The view of ``incident_id`` in ``scope``. Raises :class:`NotFoundError` if absent."""
    cfg = config or ExtractConfig()
    row = graph.read_one(q.INCIDENT, scope=scope, incident_id=incident_id)
    if row is None:
        raise NotFoundError(f"no incident {incident_id!r} in scope {scope!r}")
    started = to_datetime(row["started_at"]) or to_datetime(row["detected_at"])
    if started is None:
        raise NotFoundError(f"incident {incident_id!r} has no started_at")
    symptoms = tuple(
        Symptom(service=s["service"], signal=s.get("signal") or "other", metric=s.get("metric"))
        for s in row["symptoms"]
        if s.get("service")
    )
    incident = IncidentInfo(
        id=str(row["id"]),
        title=str(row.get("title") or ""),
        severity=str(row.get("severity") or ""),
        system=row.get("system"),
        started_at=started,
        detected_at=to_datetime(row.get("detected_at")),
        symptoms=symptoms,
    )
    window_start = started - cfg.lookback
    window_end = started + max(cfg.signal_after, cfg.change_after)
    change_end = started + cfg.change_after
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rcagraph-extract") as pool:
        # the window's signals (the largest read) come in on another connection while the
        # canary verdicts, the neighbourhood and the changes are read here
        pending_signals = pool.submit(read_signals, graph, scope, window_start, window_end)
        canary = canary_verdicts(graph, scope, window_start, window_end)
        names = neighbourhood_names(graph, scope, symptoms, cfg.depth)
        found = read_changes(graph, scope, window_start, change_end)
        signals = pending_signals.result()
    names.update(s for c in found for s in c.services)
    names.update(s.service for s in signals)
    changes = with_rollout_steps(prefer_records(found))

    name_list = sorted(names)
    ce = read_columns(graph, q.COMPONENTS_EDGES, scope=scope, names=name_list)
    components = {
        name: ComponentInfo(
            name=name,
            kind=kind,
            owner=owner,
            uid=cuid,
            instrumented=instr,
            metric_series=int(series) if series is not None else None,
        )
        for name, kind, owner, cuid, instr, series in ce["components"]
    }
    for n in name_list:  # a service named only by an event still belongs to the view
        components.setdefault(n, ComponentInfo(name=n))
    edges = [
        Edge(src=src, dst=dst, type=typ, weight=_float(weight), error_ratio=_float(err))
        for src, dst, typ, weight, err in ce["edges"]
    ]
    return IncidentView(
        scope=scope,
        incident=incident,
        window_start=window_start,
        window_end=window_end,
        components=components,
        edges=edges,
        changes=changes,
        signals=signals,
        canary=canary,
    )


def canary_verdicts(
    graph: Graph, scope: str, start: datetime, end: datetime
) -> list[CanaryVerdict]:
    """The window's canary verdicts (one scoped, indexed query)."""
    out: list[CanaryVerdict] = []
    for v in graph.read(q.CANARY_VERDICTS, scope=scope, start=start, end=end):
        at = epoch_datetime(v["at_s"], v["at_ns"])
        since = epoch_datetime(v["since_s"], v["since_ns"]) or at
        if at is None or since is None or not v.get("service") or not v.get("new_version"):
            continue
        out.append(
            CanaryVerdict(
                uid=str(v["uid"]),
                service=str(v["service"]),
                metric=str(v.get("metric") or ""),
                new_version=str(v["new_version"]),
                verdict=str(v.get("verdict") or "same"),
                at=at,
                new_since=since,
                effect=_float(v.get("effect")),
                p_value=_float(v.get("p_value")),
                signal=v.get("signal"),
                summary=str(v.get("summary") or ""),
                source=v.get("source"),
                source_ref=v.get("source_ref"),
            )
        )
    return out
