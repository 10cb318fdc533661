"""Bar charts of the KPI and forecast pages, rendered on the server as SVG (as the incident
page's drawings in :mod:`rcagraph.workspace.svg`): one bar per group, each a focusable mark
with a ``<title>`` and an ``aria-label`` naming its group and value; a group without a value
is drawn as "no data". The pages put the same numbers in a table beside the chart."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 460
BAR_H, GAP, LEFT, RIGHT, TOP = 20, 6, 150, 70, 8
LABEL_CHARS = 22


def _f(x: float) -> str:
    return f"{x:.1f}"


def value_text(value: float | None, unit: str) -> str:
    if value is None:
        return "no data"
    if unit == "%":
        return f"{value:.0f}%"
    if abs(value) >= 100:
        return f"{value:.0f} {unit}".strip()
    return f"{value:.1f} {unit}".strip()


def bars_svg(
    title: str, rows: Sequence[tuple[str, float | None]], unit: str, *, chart_id: str
) -> Markup:
    """Horizontal bars of ``rows`` (label, value ≥ 0 or None) on one scale from 0."""
    height = TOP * 2 + max(1, len(rows)) * (BAR_H + GAP)
    top_value = max((v for _, v in rows if v is not None), default=0.0) or 1.0
    plot_w = WIDTH - LEFT - RIGHT
    parts = [
        f'<svg class="bars" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}: {len(rows)} groups</title>',
    ]
    if not rows:
        parts.append(f'<text class="label" x="{LEFT}" y="{TOP + 14}">no data</text>')
    for i, (label, value) in enumerate(rows):
        y = TOP + i * (BAR_H + GAP)
        text = escape(f"{label}: {value_text(value, unit)}")
        w = 0.0 if value is None else plot_w * max(0.0, value) / top_value
        parts.append(
            f'<g class="mark" tabindex="0" role="img" aria-label="{text}" data-detail="{text}">'
            f"<title>{text}</title>"
            f'<text class="label" x="{LEFT - 6}" y="{_f(y + 14)}" text-anchor="end">'
            f"{escape(label[:LABEL_CHARS])}</text>"
            f'<rect class="bar" x="{LEFT}" y="{_f(y)}" width="{_f(max(w, 1.0 if value else 0))}" '
            f'height="{BAR_H}"/>'
            f'<text class="label" x="{_f(LEFT + w + 4)}" y="{_f(y + 14)}">'
            f"{escape(value_text(value, unit))}</text></g>"
        )
    parts.append(
        f'<line class="axis" x1="{LEFT}" y1="{TOP - 2}" x2="{LEFT}" y2="{height - TOP + 2}"/>'
    )
    parts.append("</svg>")
    # every text went through escape() above
    return Markup("".join(parts))  # noqa: S704
