"""The incident page's two drawings, rendered on the server as SVG: the annotated timeline
chart and the dependency subgraph.

Server-rendered SVG rather than a charting or graph-drawing library: the demo's incidents have
a few series of some hundred points and a subgraph of a dozen components, so an SVG of a few
kilobytes draws them without a script (the page works offline, under a strict content
security policy, and renders within one request); every mark is a focusable element with a
``<title>`` (the hover text: label, source and line) and an ``aria-label``, so keyboard and
screen-reader users reach what the mouse shows. Colours are CSS classes (no inline style).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from rcagraph.loaders.rawstore import MetricSeries
from rcagraph.postmortem.common import iso
from rcagraph.timeline import IncidentTimeline, SubgraphNode, TimelineEvent

#: colour classes of the series (``s0``…/``f0``… in workspace.css)
PALETTE = 8
WIDTH = 1000
PANEL_H = 170
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 58, 26
#: rows and characters of the change labels over the chart
LABEL_ROWS, LABEL_CHARS = 3, 32
#: chart ticks: the first step that gives at most this many
MAX_TICKS = 10
STEPS = tuple(timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 30, 60, 120, 240, 720, 1440))


def _f(x: float) -> str:
    return f"{x:.1f}"


def provenance(source: str | None, source_ref: str | None) -> str:
    if not source:
        return "source unknown"
    return f"{source}, {source_ref}" if source_ref else source


def event_text(e: TimelineEvent) -> str:
    """The hover text of a mark: what, where, when, and its source and line."""
    when = iso(e.at) or ""
    until = f" until {iso(e.end)}" if e.kind == "alert" and e.end else ""
    kind = e.subkind if e.kind == "change" else e.kind.replace("_", " ")
    return (
        f"{kind}: {e.label} on {e.service} at {when}{until} "
        f"(source: {provenance(e.source, e.source_ref)})"
    )


def series_key(s: MetricSeries) -> str:
    return f"{s.service} {s.metric}" + (f" {{{s.labels}}}" if s.labels else "")


def _ticks(start: datetime, end: datetime) -> list[datetime]:
    span = end - start
    step = next((s for s in STEPS if span / s <= MAX_TICKS), STEPS[-1])
    epoch = datetime(1970, 1, 1, tzinfo=start.tzinfo)
    first = epoch + step * -(-(start - epoch) // step)
    out = []
    t = first
    while t <= end:
        out.append(t)
        t += step
    return out


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 1:
        return f"{v:.1f}"
    return f"{v:.3g}"


def _mark(e: TimelineEvent, x: float, top: float, bottom: float, focusable: bool) -> str:
    """One event on one panel: a change is a dashed line with a head, an anomaly a circle, a
    log episode a diamond, an alert's start a triangle (its band is drawn under the series)."""
    text = escape(event_text(e))
    attrs = (
        f'class="mark" tabindex="0" role="img" aria-label="{text}" data-detail="{text}"'
        if focusable
        else 'class="mark" aria-hidden="true"'
    )
    if e.kind == "change":
        shape = (
            f'<line class="change-mark" x1="{_f(x)}" y1="{_f(top)}" x2="{_f(x)}" '
            f'y2="{_f(bottom)}"/><path class="change-head" d="M{_f(x - 5)} {_f(top - 8)} '
            f'L{_f(x + 5)} {_f(top - 8)} L{_f(x)} {_f(top)} Z"/>'
        )
        hit = (x - 6, top - 10, 12, bottom - top + 10)
    elif e.kind == "metric_anomaly":
        shape = f'<circle class="anomaly-mark" cx="{_f(x)}" cy="{_f(bottom - 6)}" r="5"/>'
        hit = (x - 7, bottom - 13, 14, 14)
    elif e.kind == "alert":
        shape = (
            f'<path class="alert-mark" d="M{_f(x - 6)} {_f(bottom)} L{_f(x + 6)} {_f(bottom)} '
            f'L{_f(x)} {_f(bottom - 10)} Z"/>'
        )
        hit = (x - 7, bottom - 12, 14, 14)
    else:
        shape = (
            f'<path class="log-mark" d="M{_f(x)} {_f(bottom - 14)} L{_f(x + 5)} {_f(bottom - 9)} '
            f'L{_f(x)} {_f(bottom - 4)} L{_f(x - 5)} {_f(bottom - 9)} Z"/>'
        )
        hit = (x - 7, bottom - 16, 14, 14)
    box = (
        f'<rect class="hit" x="{_f(hit[0])}" y="{_f(hit[1])}" width="{_f(hit[2])}" '
        f'height="{_f(hit[3])}"/>'
    )
    return f"<g {attrs}><title>{text}</title>{shape}{box}</g>"


def timeline_svg(t: IncidentTimeline) -> Markup:
    """The chart: one panel per metric (its services' series on one scale), sharing the time
    axis; changes as labelled dashed lines, alerts as bands, anomalies and log episodes at
    their start; the incident's start, detection and resolution as thin lines."""
    metrics = sorted({s.metric for s in t.series}) or [""]
    height = TOP + len(metrics) * PANEL_H + BOTTOM
    span = (t.end - t.start).total_seconds() or 1.0
    plot_w = WIDTH - LEFT - RIGHT

    def x_of(at: datetime) -> float:
        return LEFT + plot_w * min(1.0, max(0.0, (at - t.start).total_seconds() / span))

    colour = {series_key(s): i % PALETTE for i, s in enumerate(t.series)}
    parts: list[str] = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">Timeline of {escape(t.incident.id)} from {iso(t.start)} '
        f"to {iso(t.end)}: {len(t.series)} series, {len(t.events)} events</title>",
    ]
    changes = [e for e in t.events if e.kind == "change"]
    for i, metric in enumerate(metrics):
        top = TOP + i * PANEL_H
        bottom = top + PANEL_H - 22
        panel = [s for s in t.series if s.metric == metric]
        values = [v for s in panel for v in s.values]
        low, high = (min(values), max(values)) if values else (0.0, 1.0)
        if high == low:
            high = low + (abs(low) or 1.0)
        low = min(low, 0.0) if low >= 0 and low < (high - low) * 0.5 else low

        def y_of(
            v: float, low: float = low, high: float = high, top: float = top, bottom: float = bottom
        ) -> float:
            return bottom - (bottom - (top + 6)) * (v - low) / (high - low)

        parts.append(
            f'<rect class="window" x="{LEFT}" y="{_f(top)}" width="{plot_w}" '
            f'height="{_f(bottom - top)}"/>'
        )
        for e in t.events:
            if e.kind == "alert" and e.end is not None:
                x0, x1 = x_of(e.at), x_of(e.end)
                parts.append(
                    f'<rect class="alert-band" x="{_f(x0)}" y="{_f(top)}" '
                    f'width="{_f(max(1.0, x1 - x0))}" height="{_f(bottom - top)}" '
                    f'aria-hidden="true"/>'
                )
        for k in range(5):
            v = low + (high - low) * k / 4
            y = y_of(v)
            parts.append(
                f'<line class="grid" x1="{LEFT}" y1="{_f(y)}" x2="{WIDTH - RIGHT}" y2="{_f(y)}"/>'
                f'<text class="tick" x="{LEFT - 6}" y="{_f(y + 4)}" text-anchor="end">'
                f"{escape(_fmt(v))}</text>"
            )
        parts.append(
            f'<text class="tick" x="{LEFT + 4}" y="{_f(top + 12)}">'
            f"{escape(metric or 'no stored series for these services')}</text>"
        )
        for s in panel:
            points = " ".join(
                f"{_f(x_of(at))},{_f(y_of(v))}" for at, v in zip(s.times, s.values, strict=True)
            )
            label = escape(
                f"{series_key(s)}: {len(s.values)} points, {_fmt(min(s.values))} to "
                f"{_fmt(max(s.values))} (source: {s.ref}, lines {s.lines[0]}-{s.lines[1]})"
            )
            parts.append(
                f'<polyline class="line s{colour[series_key(s)]}" points="{points}">'
                f"<title>{label}</title></polyline>"
            )
        for name, at in (
            ("started", t.incident.started_at),
            ("detected", t.incident.detected_at),
            ("resolved", t.incident.resolved_at),
        ):
            if at is not None and t.start <= at <= t.end:
                x = x_of(at)
                parts.append(
                    f'<line class="axis" x1="{_f(x)}" y1="{_f(top)}" x2="{_f(x)}" '
                    f'y2="{_f(bottom)}"><title>incident {name} at {iso(at)}</title></line>'
                )
        for e in t.events:
            parts.append(_mark(e, x_of(e.at), top + 10, bottom, focusable=i == 0))
        parts.append(
            f'<line class="axis" x1="{LEFT}" y1="{_f(bottom)}" x2="{WIDTH - RIGHT}" '
            f'y2="{_f(bottom)}"/>'
        )
    right_edge: list[float] = []  # labels of the changes over the first panel, in rows
    for e in changes:
        x = x_of(e.at) + 7
        row = next((r for r, edge in enumerate(right_edge) if edge < x), len(right_edge))
        if row >= LABEL_ROWS:
            continue  # the mark keeps its hover text; its label would cover another
        text = e.label[:LABEL_CHARS]
        if row == len(right_edge):
            right_edge.append(0.0)
        right_edge[row] = x + 6.2 * len(text)
        parts.append(
            f'<text class="mark-label" x="{_f(x)}" y="{14 + 12 * row}" '
            f'aria-hidden="true">{escape(text)}</text>'
        )
    last = TOP + len(metrics) * PANEL_H - 22
    for tick in _ticks(t.start, t.end):
        parts.append(
            f'<text class="tick" x="{_f(x_of(tick))}" y="{_f(last + 16)}" '
            f'text-anchor="middle">{tick.strftime("%H:%M")}</text>'
        )
    parts.append(
        f'<text class="tick" x="{WIDTH - RIGHT}" y="{height - 2}" text-anchor="end">UTC</text>'
    )
    parts.append("</svg>")
    # every text from the graph or the raw store went through escape() above
    return Markup("".join(parts))  # noqa: S704


NODE_W, NODE_H, COL_W, ROW_H, PAD = 150, 42, 200, 60, 16


def _node_text(n: SubgraphNode) -> str:
    marks = [
        label
        for flag, label in (
            (n.symptom, "symptom"),
            (n.blamed, "blamed"),
            (n.on_path and not n.blamed, "on the blamed path"),
            (n.anomalous, "anomalous"),
        )
        if flag
    ]
    owner = f", owner {n.owner}" if n.owner else ""
    return f"{n.name} ({n.kind or 'component'}{owner})" + (f": {', '.join(marks)}" if marks else "")


def subgraph_svg(t: IncidentTimeline) -> Markup:
    """The symptoms' dependency subgraph, left to right from callers through the symptoms to
    what they depend on; the blamed path's edges in red, its candidate boxed red, anomalous
    components shaded, the symptoms outlined."""
    if not t.nodes:
        return Markup('<p class="muted">No component of this incident is in the graph.</p>')
    layers = sorted({n.layer for n in t.nodes})
    column = {layer: i for i, layer in enumerate(layers)}
    rows: dict[int, int] = {}
    place: dict[str, tuple[float, float]] = {}
    for n in t.nodes:
        row = rows.get(n.layer, 0)
        rows[n.layer] = row + 1
        place[n.name] = (PAD + column[n.layer] * COL_W, PAD + row * ROW_H)
    width = PAD * 2 + (len(layers) - 1) * COL_W + NODE_W
    height = PAD * 2 + (max(rows.values()) - 1) * ROW_H + NODE_H
    parts: list[str] = [
        f'<svg class="graph" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="graph-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="graph-title">Dependency subgraph of {escape(t.incident.id)}: '
        f"{len(t.nodes)} components; blamed path {escape(' → '.join(t.path) or 'none')}"
        "</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path class="arrow" d="M0 0 L10 5 L0 10 Z"/>'
        '</marker><marker id="arrow-path" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="6" markerHeight="6" orient="auto-start-reverse">'
        '<path class="arrow-path" d="M0 0 L10 5 L0 10 Z"/></marker></defs>',
    ]
    for e in sorted(t.edges, key=lambda e: e.on_path):  # the path's edges on top
        (x0, y0), (x1, y1) = place[e.src], place[e.dst]
        if x1 > x0:
            a, b = (x0 + NODE_W, y0 + NODE_H / 2), (x1, y1 + NODE_H / 2)
        elif x1 < x0:
            a, b = (x0, y0 + NODE_H / 2), (x1 + NODE_W, y1 + NODE_H / 2)
        else:
            down = y1 > y0
            a = (x0 + NODE_W / 2 + 8, y0 + (NODE_H if down else 0))
            b = (x1 + NODE_W / 2 + 8, y1 + (0 if down else NODE_H))
        cls = "edge path" if e.on_path else "edge"
        marker = "arrow-path" if e.on_path else "arrow"
        parts.append(
            f'<line class="{cls}" x1="{_f(a[0])}" y1="{_f(a[1])}" x2="{_f(b[0])}" '
            f'y2="{_f(b[1])}" marker-end="url(#{marker})">'
            f"<title>{escape(e.src)} {e.type} {escape(e.dst)}</title></line>"
        )
    for n in t.nodes:
        x, y = place[n.name]
        classes = " ".join(
            c
            for c, flag in (
                ("node", True),
                ("symptom", n.symptom),
                ("anomalous", n.anomalous),
                ("blamed", n.blamed),
                ("on-path", n.on_path),
            )
            if flag
        )
        text = escape(_node_text(n))
        sub = " · ".join(x for x in (n.kind, n.owner) if x)
        parts.append(
            f'<g class="{classes}" tabindex="0" role="img" aria-label="{text}" '
            f'data-detail="{text}" data-name="{escape(n.name)}"><title>{text}</title>'
            f'<rect x="{_f(x)}" y="{_f(y)}" width="{NODE_W}" height="{NODE_H}" rx="5"/>'
            f'<text x="{_f(x + 8)}" y="{_f(y + 17)}">{escape(n.name[:22])}</text>'
            f'<text class="sub" x="{_f(x + 8)}" y="{_f(y + 33)}">{escape(sub[:28])}</text></g>'
        )
    parts.append("</svg>")
    # every text from the graph or the raw store went through escape() above
    return Markup("".join(parts))  # noqa: S704


def legend(series: Sequence[MetricSeries]) -> list[tuple[str, int]]:
    """(series name, colour class number) of the chart's series, in the chart's order."""
    return [(series_key(s), i % PALETTE) for i, s in enumerate(series)]
