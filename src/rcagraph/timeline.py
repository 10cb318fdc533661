"""An incident's timeline and dependency subgraph, for people to look at.

What the ranker saw (:func:`rcagraph.engine.extract.extract_view`: the symptoms'
neighbourhood, the changes and the signals of the window), cut to the incident's window and
joined with what it did not need: the stored metric series of the symptom services and the top
candidates (:func:`rcagraph.loaders.rawstore.read_metric_series`) and the alerts' end times.
:func:`incident_timeline` is composed here, beside ``core.py``, since it reads the graph
through the engine and the raw store the loaders write; ``RcaGraph.incident_timeline`` calls it
after the workflow has resolved (and authorised) the incident.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from rcagraph.engine.extract import extract_view, to_datetime
from rcagraph.engine.view import IncidentView
from rcagraph.engine.writeback import Hypothesis
from rcagraph.graph import Graph, Query
from rcagraph.loaders.rawstore import MetricSeries, read_metric_series
from rcagraph.postmortem.incidents import Incident

#: the alerts' end times (the view keeps their start only)
ALERT_ENDS = Query(
    "timeline.alert_ends",
    "MATCH (a:Alert {scope: $scope}) WHERE a.uid IN $uids "
    "RETURN a.uid AS uid, a.ends_at AS ends_at",
)

#: the chart starts this long before the incident started
BEFORE = timedelta(minutes=30)
#: and ends this long after it was resolved (or after ``OPEN_SPAN`` past its start)
AFTER = timedelta(minutes=10)
OPEN_SPAN = timedelta(minutes=60)
#: candidates whose services' series are drawn beside the symptoms'
TOP_CANDIDATES = 3
#: hops of the subgraph around the symptoms, and its largest size
SUBGRAPH_HOPS = 3
SUBGRAPH_MAX_NODES = 40


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """A mark on the chart: a change (``deploy``, ``flag``, ``config``, …), an alert (a band
    from ``at`` to ``end``), a metric anomaly or a log episode (at its start)."""

    uid: str
    kind: str  # change, alert, metric_anomaly, log_burst, new_log_template
    subkind: str  # the change's kind; the signal's metric or the alert's name
    service: str
    at: datetime
    label: str
    source: str | None
    source_ref: str | None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class SubgraphNode:
    name: str
    kind: str | None
    owner: str | None
    layer: int  # hops from the symptoms along dependencies (callers negative)
    symptom: bool
    anomalous: bool
    blamed: bool
    on_path: bool


@dataclass(frozen=True, slots=True)
class SubgraphEdge:
    src: str
    dst: str
    type: str
    on_path: bool


@dataclass(slots=True)
class IncidentTimeline:
    incident: Incident
    start: datetime
    end: datetime
    hypotheses: list[Hypothesis]
    series: list[MetricSeries] = field(default_factory=list)
    events: list[TimelineEvent] = field(default_factory=list)
    nodes: list[SubgraphNode] = field(default_factory=list)
    edges: list[SubgraphEdge] = field(default_factory=list)
    #: the blamed path: symptom → … → the top candidate (confirmed first, refuted never)
    path: list[str] = field(default_factory=list)


def window_of(incident: Incident) -> tuple[datetime, datetime]:
    """The chart's window: ``BEFORE`` the start to ``AFTER`` the resolution; for an incident
    not resolved, ``AFTER`` the detection or ``OPEN_SPAN`` past the start, whichever is later."""
    started = incident.started_at or incident.detected_at
    assert started is not None  # an incident is declared with started_at
    if incident.resolved_at is not None and incident.resolved_at >= started:
        latest = incident.resolved_at
    else:
        latest = max(t for t in (incident.detected_at, started + OPEN_SPAN) if t)
    return started - BEFORE, latest + AFTER


def chosen(hypotheses: Sequence[Hypothesis]) -> Hypothesis | None:
    """The hypothesis the page blames: the confirmed one, else the best not refuted."""
    for h in hypotheses:
        if h.verdict == "confirmed":
            return h
    return next((h for h in hypotheses if h.verdict != "refuted"), None)


def _events(
    graph: Graph, view: IncidentView, start: datetime, end: datetime
) -> list[TimelineEvent]:
    out: list[TimelineEvent] = []
    for c in view.changes:
        if start <= c.at <= end:
            what = c.flag_key or c.version or c.change_id
            out.append(
                TimelineEvent(
                    uid=c.uid,
                    kind="change",
                    subkind=c.kind,
                    service=", ".join(c.services),
                    at=c.at,
                    label=f"{c.kind} {what}".strip(),
                    source=c.source,
                    source_ref=c.source_ref,
                )
            )
    alerts = [s.uid for s in view.signals if s.kind == "alert"]
    ends: dict[str, datetime | None] = {}
    if alerts:
        ends = {
            str(r["uid"]): to_datetime(r["ends_at"])
            for r in graph.read(ALERT_ENDS, scope=view.scope, uids=alerts)
        }
    for s in view.signals:
        if not start <= s.at <= end:
            continue
        alert_end = ends.get(s.uid) if s.kind == "alert" else s.end_at
        if s.kind == "alert" and (alert_end is None or alert_end <= s.at):
            alert_end = end  # still firing (Alertmanager's zero endsAt): to the window's end
        out.append(
            TimelineEvent(
                uid=s.uid,
                kind=s.kind,
                subkind=s.metric or "",
                service=s.service,
                at=s.at,
                label=s.summary or s.kind,
                source=s.source,
                source_ref=s.source_ref,
                end=alert_end,
            )
        )
    return sorted(out, key=lambda e: (e.at, e.kind, e.uid))


def _subgraph(
    view: IncidentView, path: list[str], blamed: str | None
) -> tuple[list[SubgraphNode], list[SubgraphEdge]]:
    symptoms = {s.service for s in view.incident.symptoms}
    out_edges: dict[str, set[str]] = {}
    in_edges: dict[str, set[str]] = {}
    for e in view.edges:
        out_edges.setdefault(e.src, set()).add(e.dst)
        in_edges.setdefault(e.dst, set()).add(e.src)
    layer: dict[str, int] = {}
    queue: deque[str] = deque()
    for s in sorted(symptoms):
        layer[s] = 0
        queue.append(s)
    while queue:  # what the symptoms need, hop by hop
        n = queue.popleft()
        if layer[n] >= SUBGRAPH_HOPS:
            continue
        for m in sorted(out_edges.get(n, ())):
            if m not in layer:
                layer[m] = layer[n] + 1
                queue.append(m)
    for s in sorted(symptoms):  # and their callers, one hop
        for m in sorted(in_edges.get(s, ())):
            layer.setdefault(m, -1)
    for i, name in enumerate(path):  # the blamed path, whatever its length
        layer.setdefault(name, min(i, SUBGRAPH_HOPS + 1))
    keep = sorted(layer, key=lambda n: (abs(layer[n]), n))[:SUBGRAPH_MAX_NODES]
    kept = set(keep) | set(path)
    anomalous = {s.service for s in view.signals if s.kind != "new_log_template"}
    path_edges = set(pairwise(path))
    nodes = [
        SubgraphNode(
            name=n,
            kind=view.components[n].kind if n in view.components else None,
            owner=view.components[n].owner if n in view.components else None,
            layer=layer[n],
            symptom=n in symptoms,
            anomalous=n in anomalous,
            blamed=n == blamed,
            on_path=n in path,
        )
        for n in sorted(kept, key=lambda n: (layer[n], n))
    ]
    edges = [
        SubgraphEdge(e.src, e.dst, e.type, (e.src, e.dst) in path_edges)
        for e in sorted(view.edges, key=lambda e: (e.src, e.dst, e.type))
        if e.src in kept and e.dst in kept
    ]
    return nodes, edges


def incident_timeline(
    graph: Graph, data_dir: Path, incident: Incident, hypotheses: list[Hypothesis]
) -> IncidentTimeline:
    """The timeline and subgraph of ``incident`` (resolved by the caller) with its newest
    ``hypotheses``: see the module doc."""
    start, end = window_of(incident)
    view = extract_view(graph, incident.id, incident.scope)
    best = chosen(hypotheses)
    path = list(best.path) if best and best.path else []
    if best and best.service and (not path or path[-1] != best.service):
        path.append(best.service)
    services = {s["service"] for s in incident.symptoms if s.get("service")}
    services |= {h.service for h in hypotheses[:TOP_CANDIDATES] if h.service}
    nodes, edges = _subgraph(view, path, best.service if best else None)
    return IncidentTimeline(
        incident=incident,
        start=start,
        end=end,
        hypotheses=hypotheses,
        series=read_metric_series(data_dir, incident.scope, services, start, end),
        events=_events(graph, view, start, end),
        nodes=nodes,
        edges=edges,
        path=path,
    )


def timeline_json(t: IncidentTimeline) -> dict[str, Any]:
    """The timeline as JSON (the API's ``GET /api/v1/incidents/{id}/timeline``)."""
    return {
        "incident": t.incident.id,
        "scope": t.incident.scope,
        "start": t.start,
        "end": t.end,
        "series": [
            {
                "service": s.service,
                "metric": s.metric,
                "labels": s.labels,
                "ref": s.ref,
                "lines": list(s.lines),
                "points": [[at, v] for at, v in zip(s.times, s.values, strict=True)],
            }
            for s in t.series
        ],
        "events": [
            {
                "uid": e.uid,
                "kind": e.kind,
                "subkind": e.subkind,
                "service": e.service,
                "at": e.at,
                "end": e.end,
                "label": e.label,
                "source": e.source,
                "source_ref": e.source_ref,
            }
            for e in t.events
        ],
        "subgraph": {
            "nodes": [
                {
                    "name": n.name,
                    "kind": n.kind,
                    "owner": n.owner,
                    "layer": n.layer,
                    "symptom": n.symptom,
                    "anomalous": n.anomalous,
                    "blamed": n.blamed,
                    "on_path": n.on_path,
                }
                for n in t.nodes
            ],
            "edges": [
                {"src": e.src, "dst": e.dst, "type": e.type, "on_path": e.on_path} for e in t.edges
            ],
            "path": t.path,
        },
    }
