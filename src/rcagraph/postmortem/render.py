"""Export a post-mortem document as Markdown, and diff two versions."""

from __future__ import annotations

import difflib
from typing import Any


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(doc: dict[str, Any], *, meta: dict[str, Any] | None = None) -> str:
    """The document as Markdown. ``meta`` (id, status, version) goes in the header."""
    inc = doc.get("incident") or {}
    out: list[str] = [f"# Post-mortem: {inc.get('id', '?')} — {inc.get('title', '')}", ""]
    if meta:
        out.append(" · ".join(f"**{k}**: {_cell(v)}" for k, v in meta.items()))
        out.append("")
    out += [
        f"- **Severity**: {_cell(inc.get('severity'))}",
        f"- **System**: {_cell(inc.get('system'))}",
        f"- **Started**: {_cell(inc.get('started_at'))}",
        f"- **Detected**: {_cell(inc.get('detected_at'))}",
        f"- **Mitigated**: {_cell(inc.get('mitigated_at'))}",
        f"- **Resolved**: {_cell(inc.get('resolved_at'))}",
        "",
        "## Summary",
        "",
        str(doc.get("summary", "")),
        "",
        "## Impact",
        "",
    ]
    impact = doc.get("impact") or {}
    out.append(f"- Affected services: {', '.join(impact.get('affected_services') or []) or '—'}")
    out.append(
        f"- Duration: {_cell(impact.get('duration_minutes'))} minutes"
        f"{' (ongoing)' if impact.get('ongoing') else ''}"
    )
    cf = impact.get("customer_facing_symptoms") or []
    out.append(
        "- Customer-facing symptoms: "
        + (", ".join(f"{s.get('signal')} of {s.get('service')}" for s in cf) or "—")
    )
    alerts = impact.get("alerts") or []
    out.append(
        "- Alerts: "
        + (
            ", ".join(f"{a.get('name')} ({a.get('service')}, {a.get('at')})" for a in alerts)
            or "none fired"
        )
    )
    out += [
        "",
        "## Timeline",
        "",
        "| time (UTC) | kind | service | what | source |",
        "| --- | --- | --- | --- | --- |",
    ]
    for e in doc.get("timeline") or []:
        src = e.get("source") or ""
        if e.get("source_ref"):
            src = f"{src} {e['source_ref']}"
        out.append(
            f"| {_cell(e.get('at'))} | {_cell(e.get('kind'))} | {_cell(e.get('service'))} | "
            f"{_cell(e.get('summary'))} | {_cell(src)} |"
        )
    out += ["", "## Root-cause hypotheses", ""]
    hyps = doc.get("hypotheses") or []
    if not hyps:
        out.append("No hypotheses ranked.")
    for h in hyps:
        conf = h.get("confidence")
        conf_text = f"{conf:.0%}" if isinstance(conf, int | float) else "?"
        verdict = f" — **{h['verdict']}**" if h.get("verdict") else ""
        out.append(
            f"{h.get('rank')}. {h.get('description') or h.get('service')} "
            f"(confidence {conf_text}){verdict}"
        )
        for e in h.get("evidence") or []:
            ref = f" [{e.get('source')} {e.get('source_ref') or ''}]" if e.get("source") else ""
            out.append(f"   - {e.get('kind')}: {e.get('summary')}{ref.replace(' ]', ']')}")
    out += ["", "## Contributing factors", ""]
    out += [f"- {f}" for f in doc.get("contributing_factors") or []] or ["—"]
    out += [
        "",
        "## Actions",
        "",
        "| id | action | owner | due | status | success criterion |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for a in doc.get("actions") or []:
        out.append(
            f"| {_cell(a.get('id'))} | {_cell(a.get('title'))} | {_cell(a.get('owner'))} | "
            f"{_cell(a.get('due'))} | {_cell(a.get('status', 'open'))} | "
            f"{_cell(a.get('success_criterion'))} |"
        )
    out += ["", "## Lessons", ""]
    out += [f"- {x}" for x in doc.get("lessons") or []] or ["—"]
    out.append("")
    return "\n".join(out)


def unified_diff(a: str, b: str, a_name: str, b_name: str) -> str:
    return "".join(
        difflib.unified_diff(
            a.splitlines(keepends=True), b.splitlines(keepends=True), a_name, b_name
        )
    )


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def json_diff(a: Any, b: Any, path: str = "") -> list[dict[str, Any]]:
    """Field-level differences: ``{path, op: added|removed|changed, before, after}``."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[dict[str, Any]] = []
        for key in sorted(set(a) | set(b)):
            p = f"{path}/{_escape(str(key))}"
            if key not in a:
                out.append({"path": p, "op": "added", "before": None, "after": b[key]})
            elif key not in b:
                out.append({"path": p, "op": "removed", "before": a[key], "after": None})
            else:
                out.extend(json_diff(a[key], b[key], p))
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = []
        for i in range(max(len(a), len(b))):
            p = f"{path}/{i}"
            if i >= len(a):
                out.append({"path": p, "op": "added", "before": None, "after": b[i]})
            elif i >= len(b):
                out.append({"path": p, "op": "removed", "before": a[i], "after": None})
            else:
                out.extend(json_diff(a[i], b[i], p))
        return out
    if a != b:
        return [{"path": path or "/", "op": "changed", "before": a, "after": b}]
    return []
