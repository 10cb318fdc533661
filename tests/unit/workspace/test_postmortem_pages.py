"""The post-mortem, actions, KPI and forecast pages' pure parts: the side-by-side diff, the
editor's changed fields, the hints by field, the board's status moves and overdue marks, the
bar charts."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcagraph.errors import InputError
from rcagraph.postmortem.blameless import check_document
from rcagraph.postmortem.render import unified_diff
from rcagraph.workspace.actions import is_overdue, next_statuses
from rcagraph.workspace.charts import bars_svg
from rcagraph.workspace.kpis import metric_rows
from rcagraph.workspace.postmortem import edited_fields, hints_by_field, side_by_side

DOC: dict[str, Any] = {
    "summary": "Checkout was slow.",
    "timeline": [
        {"at": "2026-03-01T12:00:00Z", "kind": "change", "summary": "deploy of cart"},
        {"at": "2026-03-01T12:01:00Z", "kind": "milestone", "summary": "incident started"},
    ],
    "contributing_factors": ["The pool was small."],
    "lessons": ["Load test."],
    "actions": [
        {
            "id": "PM-1-A1",
            "title": "Roll back",
            "owner": "cart-team",
            "due": "2026-03-15",
            "success_criterion": "latency back",
        }
    ],
}


def form(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "summary": "Checkout was slow.",
        "factors": "The pool was small.",
        "lessons": "Load test.\n",
        "notes": "",
        "timeline_summary": ["deploy of cart", "incident started"],
        "action_title": ["Roll back"],
        "action_owner": ["cart-team"],
        "action_due": ["2026-03-15"],
        "action_criterion": ["latency back"],
    }
    return base | changes


def test_an_unchanged_form_changes_nothing() -> None:
    assert edited_fields(DOC, **form()) == {}


def test_only_the_changed_fields_are_sent() -> None:
    changes = edited_fields(
        DOC,
        **form(
            summary="Checkout was slow for 49 minutes.",
            lessons="Load test.\n\n  Size pools per deploy. \n",
            timeline_summary=["deploy of cartservice v1.4.2", "incident started"],
            action_owner=["web-team"],
        ),
    )
    assert set(changes) == {"summary", "lessons", "timeline", "actions"}
    assert changes["lessons"] == ["Load test.", "Size pools per deploy."]
    assert changes["timeline"][0] == DOC["timeline"][0] | {
        "summary": "deploy of cartservice v1.4.2"
    }
    assert changes["timeline"][1] == DOC["timeline"][1]
    assert changes["actions"][0]["owner"] == "web-team"
    assert changes["actions"][0]["id"] == "PM-1-A1"


def test_a_form_that_does_not_match_the_version_is_refused() -> None:
    with pytest.raises(InputError, match="timeline"):
        edited_fields(DOC, **form(timeline_summary=["only one"]))
    with pytest.raises(InputError, match="actions"):
        edited_fields(DOC, **form(action_title=[]))
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        edited_fields(DOC, **form(action_due=["15/03/2026"]))


def test_hints_are_placed_at_their_field() -> None:
    doc = DOC | {
        "summary": "It was human error.",
        "timeline": [{"summary": "ok"}, {"summary": "Bob broke the deploy"}],
        "lessons": ["fine", "someone was careless"],
    }
    hints = hints_by_field(check_document(doc))
    assert [h.finding.text for h in hints["summary"]] == ["human error"]
    assert hints["summary"][0].where == "Summary"
    assert [h.where for h in hints["timeline/1"]] == ["Timeline, entry 2"]
    assert [h.where for h in hints["lessons"]] == ["Lessons, line 2"]
    assert "timeline/0" not in hints


def test_side_by_side_pairs_removed_with_added_lines() -> None:
    a = "# T\n\nsummary one\nkeep\n"
    b = "# T\n\nsummary two\nkeep\nnew line\n"
    rows = side_by_side(unified_diff(a, b, "v1", "v2"))
    kinds = [(r.kind, r.left, r.right) for r in rows if r.kind != "hunk"]
    assert ("changed", "summary one", "summary two") in kinds
    assert ("added", "", "new line") in kinds
    assert ("same", "keep", "keep") in kinds
    assert side_by_side(unified_diff(a, a, "v1", "v1")) == []


def _subsequence(part: list[str], whole: list[str]) -> bool:
    it = iter(whole)
    return all(any(x == y for y in it) for x in part)


lines = st.lists(st.sampled_from(["a", "b", "c", "d", "", "- x", "+ y", "@@ z"]), max_size=25)


@given(lines, lines)
def test_side_by_side_keeps_each_versions_lines_in_order(a: list[str], b: list[str]) -> None:
    text_a, text_b = "".join(x + "\n" for x in a), "".join(x + "\n" for x in b)
    rows = side_by_side(unified_diff(text_a, text_b, "v1", "v2"))
    left = [r.left for r in rows if r.kind in ("same", "changed", "removed")]
    right = [r.right for r in rows if r.kind in ("same", "changed", "added")]
    assert _subsequence(left, a) and _subsequence(right, b)
    assert all(r.left == r.right for r in rows if r.kind == "same")
    removed = sum(1 for r in rows if r.kind in ("changed", "removed"))
    added = sum(1 for r in rows if r.kind in ("changed", "added"))
    diff_lines = unified_diff(text_a, text_b, "v1", "v2").splitlines()[2:]
    assert removed == sum(1 for x in diff_lines if x.startswith("-"))
    assert added == sum(1 for x in diff_lines if x.startswith("+"))


def test_status_moves_and_overdue() -> None:
    assert next_statuses("open") == ["in_progress", "done", "cancelled"]
    assert "verified" not in next_statuses("done")
    assert next_statuses("done") == ["reopened"]
    today = date(2026, 3, 10)
    assert is_overdue({"status": "open", "due": "2026-03-09"}, today)
    assert is_overdue({"status": "reopened", "due": "2026-03-09"}, today)
    assert not is_overdue({"status": "open", "due": "2026-03-10"}, today)
    assert not is_overdue({"status": "done", "due": "2026-03-01"}, today)
    assert not is_overdue({"status": "open", "due": None}, today)


def test_bars_are_labelled_and_escaped() -> None:
    svg = str(bars_svg("MTTR <per team>", [("web<b>", 30.0), ("cart", None)], "min", chart_id="m"))
    assert "&lt;per team&gt;" in svg and "<b>" not in svg
    assert 'aria-label="web&lt;b&gt;: 30.0 min"' in svg
    assert 'aria-label="cart: no data"' in svg
    assert len(re.findall(r'tabindex="0"', svg)) == 2
    assert "no data" in str(bars_svg("empty", [], "min", chart_id="e"))


def test_kpi_rows_give_the_overdue_share_in_percent() -> None:
    rows = [{"group": "2026-03", "overdue_share": 0.25, "mttd_minutes": 3.5}]
    assert metric_rows(rows, "overdue_share") == [("2026-03", 25.0)]
    assert metric_rows(rows, "mttd_minutes") == [("2026-03", 3.5)]
    assert metric_rows([{"group": "x", "mttr_minutes": None}], "mttr_minutes") == [("x", None)]
