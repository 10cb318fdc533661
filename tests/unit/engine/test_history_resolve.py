"""Verdicts → truth: how confirmed and refuted hypotheses become a training label (no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rcagraph.engine.base import Truth
from rcagraph.engine.verdicts import (
    LabelledHistory,
    SkippedIncident,
    Verdict,
    resolve,
    truth_of,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def change(
    uid: str, verdict: str, change_id: str, *, kind: str = "deploy", service: str = "cart",
    minute: int = 0, target: bool = True,
) -> Verdict:  # fmt: skip
    return Verdict(
        hypothesis_uid=uid,
        verdict=verdict,
        verdict_at=T0 + timedelta(minutes=minute),
        kind="deploy" if kind in ("deploy", "scale") else kind,
        service=service,
        change_id=change_id,
        target_labels=("Change", "Deployment", "Event") if target else (),
        target_kind=kind if target else None,
        target_change_id=change_id if target else None,
        target_service=service if target else None,
    )


def component(uid: str, verdict: str, name: str, *, minute: int = 0) -> Verdict:
    return Verdict(
        hypothesis_uid=uid,
        verdict=verdict,
        verdict_at=T0 + timedelta(minutes=minute),
        kind="service",
        service=name,
        target_labels=("Component", "Service"),
        target_name=name,
    )


def test_truth_of_a_change_uses_the_blamed_change() -> None:
    assert truth_of(change("h1", "confirmed", "dep-1")) == Truth("deploy", "cart", "dep-1")
    # the change's own kind, mapped to the contract's kinds (scale → infra)
    assert truth_of(change("h1", "confirmed", "s-1", kind="scale")) == Truth("infra", "cart", "s-1")
    assert truth_of(change("h1", "confirmed", "f-1", kind="flag")) == Truth("flag", "cart", "f-1")


def test_truth_of_without_a_blamed_node_falls_back_to_the_hypothesis() -> None:
    v = change("h1", "confirmed", "cfg-9", kind="config", target=False)
    assert truth_of(v) == Truth("config", "cart", "cfg-9")
    no_id = Verdict("h2", "confirmed", kind="deploy", service="cart")
    assert truth_of(no_id) is None


def test_truth_of_a_component_is_kind_service() -> None:
    assert truth_of(component("h1", "confirmed", "redis")) == Truth("service", "redis", None)


def test_single_confirmation_gives_the_truth() -> None:
    res = resolve([change("h1", "confirmed", "dep-1"), change("h2", "refuted", "dep-2")])
    assert res.truth == Truth("deploy", "cart", "dep-1")
    assert res.decided_by is not None and res.decided_by.hypothesis_uid == "h1"


def test_the_same_candidate_confirmed_in_two_runs_is_one_truth() -> None:
    res = resolve(
        [change("h1", "confirmed", "dep-1"), change("h9", "confirmed", "dep-1", minute=5)]
    )
    assert res.truth == Truth("deploy", "cart", "dep-1")
    assert res.decided_by is not None and res.decided_by.hypothesis_uid == "h9"


def test_newest_verdict_on_a_candidate_stands() -> None:
    later_refuted = [change("h1", "confirmed", "dep-1"), change("h2", "refuted", "dep-1", minute=3)]
    assert resolve(later_refuted).reason == "only_refuted"
    later_confirmed = [
        change("h1", "refuted", "dep-1"),
        change("h2", "confirmed", "dep-1", minute=3),
    ]
    assert resolve(later_confirmed).truth == Truth("deploy", "cart", "dep-1")


def test_a_change_and_its_own_component_confirmed_give_the_change() -> None:
    res = resolve([component("h1", "confirmed", "cart"), change("h2", "confirmed", "dep-1")])
    assert res.truth == Truth("deploy", "cart", "dep-1")


def test_conflicting_confirmations_are_skipped() -> None:
    two_changes = resolve([change("h1", "confirmed", "dep-1"), change("h2", "confirmed", "dep-2")])
    assert two_changes.truth is None and two_changes.reason == "conflicting"
    assert "dep-1" in two_changes.detail and "dep-2" in two_changes.detail
    other_service = resolve(
        [change("h1", "confirmed", "dep-1"), component("h2", "confirmed", "payment")]
    )
    assert other_service.reason == "conflicting"
    two_components = resolve(
        [component("h1", "confirmed", "cart"), component("h2", "confirmed", "redis")]
    )
    assert two_components.reason == "conflicting"


def test_only_refuted_and_unreviewed_are_skipped() -> None:
    res = resolve([change("h1", "refuted", "dep-1"), component("h2", "refuted", "cart")])
    assert res.truth is None and res.reason == "only_refuted" and res.detail == "2 refuted"
    assert resolve([]).reason == "not_reviewed"


def test_a_confirmation_naming_no_cause_is_reported() -> None:
    res = resolve([Verdict("h1", "confirmed", kind="deploy"), change("h2", "refuted", "dep-2")])
    assert res.truth is None and res.reason == "no_truth"


def test_history_summary_counts_skips() -> None:
    h = LabelledHistory(
        skipped=[
            SkippedIncident("s", "A", "only_refuted"),
            SkippedIncident("s", "B", "only_refuted"),
            SkippedIncident("s", "C", "not_reviewed"),
        ]
    )
    assert len(h) == 0 and h.examples() == []
    assert h.skipped_counts() == {"only_refuted": 2, "not_reviewed": 1}
    assert h.skipped_summary() == "1 no verdict yet, 2 only refuted hypotheses"
