"""LaunchDarkly percentage rollouts: the share of traffic on the new variation (no server)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcagraph.loaders.base import Rejection
from rcagraph.loaders.changes import LD_WEIGHT_TOTAL, parse_flag_change, parse_lines
from rcagraph.loaders.changes.row import ChangeRow
from rcagraph.loaders.records import RecordError
from rcagraph.synthetic.incidents import formats

ENV = "production"
CUR = f"currentVersion.environments.{ENV}"


def rollout(*weights: int) -> dict[str, Any]:
    return {"variations": [{"variation": i, "weight": w} for i, w in enumerate(weights)]}


def entry(
    current: dict[str, Any] | None,
    previous: dict[str, Any] | None = None,
    **flag: Any,
) -> dict[str, Any]:
    """An audit entry whose production block is ``current`` (and ``previous``)."""

    def version(block: dict[str, Any] | None) -> dict[str, Any] | None:
        if block is None:
            return None
        return {"key": "f", "tags": ["service:cart"], "environments": {ENV: block}, **flag}

    return {
        "_id": "e1",
        "date": 1772364041000,
        "kind": "flag",
        "accesses": [{"action": "updateFallthrough", "resource": f"proj/p:env/{ENV}:flag/f"}],
        "currentVersion": version(current),
        "previousVersion": version(previous),
    }


def share(current: dict[str, Any] | None, previous: dict[str, Any] | None = None, **f: Any) -> Any:
    return parse_flag_change(entry(current, previous, **f)).rollout_share


def test_fallthrough_rollout_grown_from_a_smaller_one() -> None:
    prev = {"on": True, "fallthrough": {"rollout": rollout(10_000, 90_000)}, "offVariation": 1}
    cur = {"on": True, "fallthrough": {"rollout": rollout(25_000, 75_000)}, "offVariation": 1}
    assert share(cur, prev) == 0.25


def test_the_new_variation_is_the_one_that_grew_whatever_its_index() -> None:
    # the rollout moves traffic onto variation 1, away from variation 0 (the old default)
    prev = {"on": True, "fallthrough": {"variation": 0}, "offVariation": 0}
    cur = {"on": True, "fallthrough": {"rollout": rollout(60_000, 40_000)}, "offVariation": 0}
    assert share(cur, prev) == 0.4
    # a later step of the same rollout: variation 0 grows from 30 % to 50 %
    prev = {"on": True, "fallthrough": {"rollout": rollout(30_000, 70_000)}}
    cur = {"on": True, "fallthrough": {"rollout": rollout(50_000, 50_000)}}
    assert share(cur, prev) == 0.5


def test_turned_on_with_a_rollout_counts_everything_but_the_off_variation() -> None:
    prev = {"on": False, "fallthrough": {"rollout": rollout(5_000, 95_000)}, "offVariation": 1}
    cur = {"on": True, "fallthrough": {"rollout": rollout(5_000, 95_000)}, "offVariation": 1}
    assert share(cur, prev) == 0.05


def test_without_a_previous_version_the_off_variation_is_the_old_one() -> None:
    cur = {"on": True, "fallthrough": {"rollout": rollout(20_000, 80_000)}, "offVariation": 0}
    assert share(cur) == 0.8
    # no offVariation: the variation whose value is false …
    variations = [{"value": False}, {"value": True}]
    cur = {"on": True, "fallthrough": {"rollout": rollout(20_000, 80_000)}}
    assert share(cur, variations=variations) == 0.8
    # … else LaunchDarkly's boolean layout [true, false]: variation 1 is off
    assert share(cur) == 0.2


def test_rule_rollout_new_rule_against_the_old_fallthrough() -> None:
    prev = {"on": True, "rules": [], "fallthrough": {"variation": 1}, "offVariation": 1}
    rule = {"_id": "r1", "clauses": [], "rollout": rollout(30_000, 70_000)}
    cur = {"on": True, "rules": [rule], "fallthrough": {"variation": 1}, "offVariation": 1}
    assert share(cur, prev) == 0.3
    # the same rule changed later: matched by _id even when it moved
    prev2 = dict(cur, rules=[{"_id": "r0", "variation": 0}, rule])
    cur2 = dict(cur, rules=[dict(rule, rollout=rollout(45_000, 55_000))])
    assert share(cur2, prev2) == 0.45


def test_no_share_for_fixed_variations_unchanged_rollouts_or_a_flag_turned_off() -> None:
    prev = {"on": True, "rules": [], "fallthrough": {"variation": 1}}
    assert share({"on": True, "rules": [], "fallthrough": {"variation": 0}}, prev) is None
    same = {"on": True, "fallthrough": {"rollout": rollout(10_000, 90_000)}}
    assert share(dict(same, rules=[{"variation": 0}]), same) is None
    assert share(dict(same, on=False), dict(same, fallthrough={"variation": 0})) is None
    assert share(None) is None


def test_weights_short_of_100_percent_go_to_the_last_variation() -> None:
    cur = {"on": True, "fallthrough": {"rollout": rollout(10_000, 20_000)}, "offVariation": 0}
    assert share(cur) == 0.9
    missing = {"variations": [{"variation": 0}, {"variation": 1, "weight": 100_000}]}
    assert share({"on": True, "fallthrough": {"rollout": missing}, "offVariation": 1}) == 0.0


@pytest.mark.parametrize(
    ("rollout_value", "field", "reason"),
    [
        (rollout(50_000, 60_000), f"{CUR}.fallthrough.rollout.variations", "add up to 110000"),
        (rollout(-1, 100_001), f"{CUR}.fallthrough.rollout.variations.0.weight", "out of range"),
        (rollout(100_001, 0), f"{CUR}.fallthrough.rollout.variations.0.weight", "out of range"),
        (
            {"variations": [{"variation": 0, "weight": "50000"}]},
            f"{CUR}.fallthrough.rollout.variations.0.weight",
            "thousandths",
        ),
        (
            {"variations": [{"variation": 0, "weight": True}]},
            f"{CUR}.fallthrough.rollout.variations.0.weight",
            "thousandths",
        ),
        (
            {"variations": [{"variation": 0, "weight": 2.5}, {"variation": 1, "weight": 1}]},
            f"{CUR}.fallthrough.rollout.variations.0.weight",
            "whole number",
        ),
        (
            {"variations": [{"variation": -1, "weight": 100_000}]},
            f"{CUR}.fallthrough.rollout.variations.0.variation",
            "variation index",
        ),
        (
            {"variations": [{"weight": 100_000}]},
            f"{CUR}.fallthrough.rollout.variations.0.variation",
            "missing",
        ),
        ({"variations": []}, f"{CUR}.fallthrough.rollout.variations", "non-empty"),
        ({"variations": [7]}, f"{CUR}.fallthrough.rollout.variations.0", "object"),
        ("50%", f"{CUR}.fallthrough.rollout", "object"),
    ],
)
def test_malformed_rollouts_name_the_field(rollout_value: Any, field: str, reason: str) -> None:
    with pytest.raises(RecordError) as info:
        share({"on": True, "fallthrough": {"rollout": rollout_value}})
    assert info.value.field == field and reason in info.value.reason


def test_malformed_previous_and_rule_rollouts_and_unknown_variations() -> None:
    good = {"on": True, "fallthrough": {"rollout": rollout(1, 99_999)}}
    bad = {"on": True, "fallthrough": {"rollout": rollout(1, "x")}}  # type: ignore[arg-type]
    with pytest.raises(RecordError) as info:
        share(good, bad)
    assert (
        info.value.field
        == f"previousVersion.environments.{ENV}.fallthrough.rollout.variations.1.weight"
    )
    with pytest.raises(RecordError) as info:
        share({"on": True, "rules": [{"rollout": rollout(100_000, 1)}]})
    assert info.value.field == f"{CUR}.rules.0.rollout.variations"
    variations = [{"value": True}, {"value": False}]
    three = {"variations": [{"variation": 2, "weight": 100_000}]}
    with pytest.raises(RecordError) as info:
        share({"on": True, "fallthrough": {"rollout": three}}, variations=variations)
    assert info.value.field == f"{CUR}.fallthrough.rollout.variations.0.variation"
    assert "has 2 variations" in info.value.reason


def test_a_bad_weight_is_a_rejection_with_file_line_and_field(tmp_path: Path) -> None:
    good = entry({"on": True, "fallthrough": {"rollout": rollout(25_000, 75_000)}})
    bad = entry({"on": True, "fallthrough": {"rollout": rollout(25_000, 95_000)}})
    path = tmp_path / "flags.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    out = [item for _, item in parse_lines(path, "flags.jsonl", "flag_change", parse_flag_change)]
    assert isinstance(out[0], ChangeRow) and out[0].rollout_share == 0.25
    rejection = out[1]
    assert isinstance(rejection, Rejection)
    assert (rejection.file, rejection.line, rejection.field) == (
        "flags.jsonl",
        2,
        f"{CUR}.fallthrough.rollout.variations",
    )
    assert "more than 100000" in rejection.reason


# -- properties --------------------------------------------------------------------------------


@st.composite
def weight_vectors(draw: st.DrawFn) -> list[int]:
    """2..5 weights in thousandths of a percent summing to exactly 100000."""
    cuts = sorted(draw(st.lists(st.integers(0, LD_WEIGHT_TOTAL), min_size=1, max_size=4)))
    bounds = [0, *cuts, LD_WEIGHT_TOTAL]
    return [b - a for a, b in pairwise(bounds)]


@given(weight_vectors(), st.data())
def test_share_without_history_is_all_but_the_off_variation(w: list[int], data: Any) -> None:
    off = data.draw(st.integers(0, len(w) - 1))
    got = share({"on": True, "fallthrough": {"rollout": rollout(*w)}, "offVariation": off})
    assert got == pytest.approx((LD_WEIGHT_TOTAL - w[off]) / LD_WEIGHT_TOTAL)


@given(weight_vectors(), weight_vectors())
def test_share_against_a_previous_rollout_is_the_grown_weight(
    before: list[int], after: list[int]
) -> None:
    n = max(len(before), len(after))
    before, after = before + [0] * (n - len(before)), after + [0] * (n - len(after))
    got = share(
        {"on": True, "fallthrough": {"rollout": rollout(*after)}},
        {"on": True, "fallthrough": {"rollout": rollout(*before)}},
    )
    if before == after:
        assert got is None
    else:
        assert got is not None and 0.0 < got <= 1.0  # something grew, since both sum to 100 %
        assert got * LD_WEIGHT_TOTAL == pytest.approx(
            sum(a for a, b in zip(after, before, strict=True) if a > b)
        )


@given(st.floats(0.0, 1.0))
def test_generator_entries_round_trip_their_share(value: float) -> None:
    fl = formats.launchdarkly_entry(
        entry_id="abc",
        flag_key="f",
        service="cart",
        at=datetime(2026, 3, 1, tzinfo=UTC),
        on=True,
        share=value,
        member="ana@example.com",
        comment="",
    )
    assert parse_flag_change(fl).rollout_share == pytest.approx(value, abs=1e-5)
