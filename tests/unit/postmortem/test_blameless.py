"""The blameless-language checker, the JSON diff and the severity policy (no server)."""

from __future__ import annotations

import pytest

from rcagraph.postmortem.blameless import check_document, check_text
from rcagraph.postmortem.policy import SeverityPolicy
from rcagraph.postmortem.render import json_diff, render_markdown, unified_diff


@pytest.mark.parametrize(
    ("text", "rule", "phrase"),
    [
        ("The outage was Bob's fault.", "fault", "Bob's fault"),
        ("A careless deploy took the cart down.", "careless", "careless"),
        ("The on-call should have known the flag was on.", "should_have", "should have known"),
        ("Root cause: human error during the migration.", "human_error", "human error"),
        ("Alice broke the checkout config.", "person_blame", "Alice broke"),
        ("@jdoe forgot to update the runbook.", "person_blame", "@jdoe forgot to"),
        ("They blamed the database team.", "blame", "blamed"),
        ("He forgot the feature flag.", "forgot", "He forgot"),
    ],
)
def test_checker_flags_blame_with_position(text: str, rule: str, phrase: str) -> None:
    findings = check_text(text)
    assert [f.rule for f in findings] == [rule]
    f = findings[0]
    assert text[f.start : f.end] == f.text == phrase
    assert f.suggestion and f.message


@pytest.mark.parametrize(
    "text",
    [
        "The deploy of cartservice 2.0 raised the error ratio to 7%.",
        "The change caused a cache stampede.",
        "No alert fired before detection; the dashboard did not show saturation.",
        "Rollback restored latency at 12:31.",
    ],
)
def test_checker_leaves_blameless_text_alone(text: str) -> None:
    assert check_text(text) == []


def test_checker_does_not_change_text_and_gives_json_pointers() -> None:
    doc = {
        "summary": "Fine.",
        "lessons": ["ok", "It was Carol's fault"],
        "timeline": [{"summary": "careless restart", "source": "Dave's fault.json"}],
    }
    before = repr(doc)
    findings = check_document(doc)
    assert repr(doc) == before
    assert [(f.path, f.rule) for f in findings] == [
        ("/lessons/1", "fault"),
        ("/timeline/0/summary", "careless"),
    ]


def test_json_diff_and_unified_diff() -> None:
    a = {"summary": "x", "lessons": ["a"], "impact": {"d": 1}}
    b = {"summary": "y", "lessons": ["a", "b"], "impact": {}, "notes": "n"}
    ops = {(d["path"], d["op"]) for d in json_diff(a, b)}
    assert ops == {
        ("/summary", "changed"),
        ("/lessons/1", "added"),
        ("/impact/d", "removed"),
        ("/notes", "added"),
    }
    diff = unified_diff(render_markdown(a), render_markdown(b), "v1", "v2")
    assert "-x" in diff and "+y" in diff and diff.startswith("--- v1")
    assert json_diff(a, a) == []


def test_policy_defaults_and_override() -> None:
    p = SeverityPolicy()
    assert [p.due_in_days(s) for s in ("SEV1", "SEV2", "SEV3", "SEV4")] == [7, 14, 30, 60]
    assert p.approval_rule("SEV1").reviewers == 2 and p.approval_rule("SEV1").owner_required
    assert p.due_in_days(None) == 30
    custom = SeverityPolicy(due_days={"SEV1": 3})
    assert custom.due_in_days("SEV1") == 3 and custom.due_in_days("SEV2") == 30
