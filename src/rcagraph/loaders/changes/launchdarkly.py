"""``flags.jsonl``: LaunchDarkly audit-log entries, and the rollout share of a change."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from rcagraph.loaders.changes.row import ChangeRow
from rcagraph.loaders.records import Record, RecordError, RecordSkipped, compact, validate
from rcagraph.loaders.timeparse import from_epoch_ms


def _epoch_ms(value: object) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected epoch milliseconds (a number)")
    return from_epoch_ms(value)


EpochMs = Annotated[datetime, BeforeValidator(_epoch_ms)]


class LDAccess(Record):
    action: str = Field(min_length=1)
    resource: str = Field(min_length=1)


class LDMember(Record):
    email: str | None = None
    firstName: str | None = None  # noqa: N815
    lastName: str | None = None  # noqa: N815


class LDEntry(Record):
    id: str = Field(alias="_id", min_length=1)
    date: EpochMs
    kind: Literal["flag"]
    accesses: list[LDAccess] = Field(min_length=1)
    member: LDMember | None = None
    titleVerb: str | None = None  # noqa: N815
    title: str | None = None
    comment: str | None = None
    name: str | None = None
    currentVersion: dict[str, Any] | None = None  # noqa: N815
    previousVersion: dict[str, Any] | None = None  # noqa: N815


def _ld_resource(resource: str) -> dict[str, str]:
    """``proj/P:env/E:flag/KEY`` (``;tags`` and ``${…}`` parts tolerated) as a dict."""
    parts: dict[str, str] = {}
    for segment in resource.split(":"):
        if "/" not in segment:
            continue
        typ, key = segment.split("/", 1)
        parts[typ.strip()] = key.split(";", 1)[0].strip()
    return parts


#: LaunchDarkly rollout weights are in thousandths of a percent: 100000 is 100 %
LD_WEIGHT_TOTAL = 100_000

_Dist = dict[int, int]


_Side = tuple[Mapping[str, Any] | None, str]


def _env_of(version: Mapping[str, Any] | None, env: str) -> Mapping[str, Any] | None:
    envs = version.get("environments") if version is not None else None
    block = envs.get(env) if isinstance(envs, Mapping) else None
    return block if isinstance(block, Mapping) else None


def ld_sides(
    current: Mapping[str, Any] | None, previous: Mapping[str, Any] | None, env: str | None
) -> tuple[_Side, _Side]:
    """What an entry compares, ``(current block, its path), (previous block, its path)``:
    the environment's block on both sides when either version has one for ``env`` (a side
    without it is None: the environment did not exist, or the version is absent), else the
    whole flag versions on both sides. Never an environment against a whole flag."""
    cur_path, prev_path = "currentVersion", "previousVersion"
    if env and (_env_of(current, env) is not None or _env_of(previous, env) is not None):
        return (
            (_env_of(current, env), f"{cur_path}.environments.{env}"),
            (_env_of(previous, env), f"{prev_path}.environments.{env}"),
        )
    return (current, cur_path), (previous, prev_path)


def _ld_index(value: object, fld: str, count: int | None) -> int:
    if value is None:
        raise RecordError("required field is missing", field=fld)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RecordError(f"expected a variation index (a whole number >= 0): {value!r}", fld)
    if count is not None and value >= count:
        raise RecordError(
            f"variation {value} does not exist (the flag has {count} variations)", fld
        )
    return value


def _ld_weight(value: object, fld: str) -> int:
    if value is None:  # the SDKs read an absent weight as 0
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(f"expected a weight in thousandths of a percent: {value!r}", fld)
    if not math.isfinite(value) or value != int(value):
        raise RecordError(f"expected a whole number of thousandths of a percent: {value!r}", fld)
    if not 0 <= value <= LD_WEIGHT_TOTAL:
        raise RecordError(f"weight out of range: {value!r} (0..{LD_WEIGHT_TOTAL})", fld)
    return int(value)


def _ld_distribution(target: object, fld: str, count: int | None) -> tuple[_Dist, bool] | None:
    """A fallthrough or rule as ``({variation: weight}, is_rollout)``; None when it serves none.

    A fixed ``variation`` is that variation at 100 %. Rollout weights short of 100000 leave the
    rest to the last listed variation, as the SDKs bucket it; more than 100000 is an error.
    """
    if not isinstance(target, Mapping):
        return None
    rollout = target.get("rollout")
    if rollout is not None:
        path = f"{fld}.rollout"
        if not isinstance(rollout, Mapping):
            raise RecordError("expected an object with variations", field=path)
        items = rollout.get("variations")
        if not isinstance(items, list) or not items:
            raise RecordError(
                "expected a non-empty list of {variation, weight}", field=f"{path}.variations"
            )
        dist: _Dist = {}
        last = 0
        for i, item in enumerate(items):
            at = f"{path}.variations.{i}"
            if not isinstance(item, Mapping):
                raise RecordError("expected an object {variation, weight}", field=at)
            last = _ld_index(item.get("variation"), f"{at}.variation", count)
            dist[last] = dist.get(last, 0) + _ld_weight(item.get("weight"), f"{at}.weight")
        total = sum(dist.values())
        if total > LD_WEIGHT_TOTAL:
            raise RecordError(
                f"the weights add up to {total}, more than {LD_WEIGHT_TOTAL} (100 %)",
                field=f"{path}.variations",
            )
        dist[last] += LD_WEIGHT_TOTAL - total
        return dist, True
    if target.get("variation") is not None:
        return {_ld_index(target["variation"], f"{fld}.variation", count): LD_WEIGHT_TOTAL}, False
    return None


def _ld_targets(
    block: Mapping[str, Any], fld: str, count: int | None
) -> dict[str, tuple[_Dist, bool]]:
    """The fallthrough and every rule (keyed by ``_id``, else position) of an env block."""
    out: dict[str, tuple[_Dist, bool]] = {}
    found = _ld_distribution(block.get("fallthrough"), f"{fld}.fallthrough", count)
    if found is not None:
        out["fallthrough"] = found
    rules = block.get("rules")
    if isinstance(rules, list):
        for i, rule in enumerate(rules):
            found = _ld_distribution(rule, f"{fld}.rules.{i}", count)
            if found is None:
                continue
            rid = rule.get("_id") if isinstance(rule, Mapping) else None
            out[f"rule:{rid}" if isinstance(rid, str) and rid else f"rule#{i}"] = found
    return out


def _ld_variation_count(version: Mapping[str, Any] | None) -> int | None:
    variations = version.get("variations") if version is not None else None
    return len(variations) if isinstance(variations, list) and variations else None


def _ld_off_variation(
    block: Mapping[str, Any], version: Mapping[str, Any] | None, fld: str, count: int | None
) -> int:
    """The variation served when the flag is off: ``offVariation``; else the variation whose
    value is ``false``; else 1 (a boolean flag's ``[true, false]`` as LaunchDarkly creates it)."""
    if block.get("offVariation") is not None:
        return _ld_index(block["offVariation"], f"{fld}.offVariation", count)
    variations = version.get("variations") if version is not None else None
    if isinstance(variations, list):
        for i, v in enumerate(variations):
            if isinstance(v, Mapping) and v.get("value") is False:
                return i
    return 1


def ld_rollout_share(
    current: Mapping[str, Any] | None, previous: Mapping[str, Any] | None, env: str | None
) -> float | None:
    """The share of traffic (0..1) a LaunchDarkly change put on its new variation, or None.

    Only a percentage rollout (``rollout.variations[].weight``) in the fallthrough or a rule
    gives a share; a target that serves one fixed variation, or a flag left off, gives None
    (unknown, read as 1 downstream). For each rollout that differs from the previous version,
    the baseline is what that target served before: the same rule (by ``_id``, else position)
    or fallthrough; for a rule that is new, the previous fallthrough; the off variation at
    100 % when the flag was off before. The *new* variations are those whose weight grew over
    the baseline, and the share is their weight now. With no baseline at all (no
    ``previousVersion``), the new variations are all but the off variation. When several
    rollouts changed in one entry, the largest share is taken. A rule's share is of the users
    that rule matches (the audit entry does not give audience sizes).
    """
    (cur_block, cur_path), (prev_block, prev_path) = ld_sides(current, previous, env)
    if cur_block is None:
        return None
    cur_count = _ld_variation_count(current)
    cur = _ld_targets(cur_block, cur_path, cur_count)
    prev = (
        _ld_targets(prev_block, prev_path, _ld_variation_count(previous))
        if prev_block is not None
        else {}
    )
    off = _ld_off_variation(cur_block, current, cur_path, cur_count)
    if cur_block.get("on") is False:
        return None
    was_off = prev_block is not None and prev_block.get("on") is False
    shares: list[int] = []
    for key, (dist, is_rollout) in cur.items():
        if not is_rollout:
            continue
        baseline: _Dist | None
        if was_off:
            baseline = {off: LD_WEIGHT_TOTAL}
        elif key in prev:
            baseline = prev[key][0]
        elif key != "fallthrough" and "fallthrough" in prev:
            baseline = prev["fallthrough"][0]
        else:
            baseline = None
        if baseline == dist:
            continue
        if baseline is None:
            shares.append(sum(w for v, w in dist.items() if v != off))
        else:
            shares.append(sum(w for v, w in dist.items() if w > baseline.get(v, 0)))
    return max(shares) / LD_WEIGHT_TOTAL if shares else None


class LDHeader(Record):
    """What every LaunchDarkly audit entry / webhook has, whatever its kind."""

    id: str = Field(alias="_id", min_length=1)
    kind: str = Field(min_length=1)


def parse_launchdarkly(obj: object) -> ChangeRow:
    """A LaunchDarkly audit-log entry of kind ``flag``; raises RecordSkipped for one of
    another kind (``environment``, ``project``, ``segment``, ``member``, …)."""
    header = validate(LDHeader, obj)
    if header.kind != "flag":
        raise RecordSkipped(f"LaunchDarkly {header.kind!r} changes are not used (only 'flag')")
    entry = validate(LDEntry, obj)
    access = entry.accesses[0]
    resource = _ld_resource(access.resource)
    flag_key = resource.get("flag")
    if not flag_key:
        raise RecordError("the resource names no flag (flag/KEY)", field="accesses.0.resource")
    env = resource.get("env")
    tags = (entry.currentVersion or {}).get("tags") or []
    services = [
        t.removeprefix("service:").strip()
        for t in tags
        if isinstance(t, str) and t.startswith("service:") and t.removeprefix("service:").strip()
    ]
    actor = None
    if entry.member is not None:
        full = " ".join(p for p in (entry.member.firstName, entry.member.lastName) if p)
        actor = entry.member.email or full or None
    summary = " ".join(
        p for p in (actor, entry.titleVerb, flag_key, f"in {env}" if env else None) if p
    )
    attributes = {
        k: v
        for k, v in {
            "comment": entry.comment,
            "title": entry.title,
            "actions": [a.action for a in entry.accesses],
            "project": resource.get("proj"),
        }.items()
        if v
    }
    (after, _), (before, _) = ld_sides(entry.currentVersion, entry.previousVersion, env)
    return ChangeRow(
        change_id=entry.id,
        kind="flag",
        at=entry.date,
        services=services,
        actor=actor,
        summary=summary,
        action=access.action,
        environment=env,
        rollout_share=ld_rollout_share(entry.currentVersion, entry.previousVersion, env),
        flag_key=flag_key,
        flag_provider="launchdarkly",
        flag_project=resource.get("proj"),
        before=None if before is None else compact(before),
        after=None if after is None else compact(after),
        attributes=compact(attributes),
    )
