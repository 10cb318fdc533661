"""Changes: CDEvents service events, LaunchDarkly and Unleash flag changes, rcagraph's own.

Every change becomes a ``:Change:Event`` node with a sublabel by kind (``:Deployment``,
``:FlagChange``, ``:ConfigChange`` for config/secret/schema, ``:InfraChange`` for
infra/scale), ``CHANGED`` to the components it touches and, for flags, ``TOGGLED`` to the
``:Flag`` (and ``USES_FLAG`` from every service its ``service:NAME`` tags name).

* ``deployments.jsonl`` — CDEvents v0.4 ``dev.cdevents.service.{deployed,upgraded,rolledback,
  removed}.*``: service = ``subject.id`` without ``service/``, version from the package URL in
  ``subject.content.artifactId``, ``rollback`` for rolledback events, ``customData`` kept
  (``rollout_share``/``rolloutShare`` in 0..1 or ``rolloutPercent`` in 0..100, and
  ``previousVersion`` are read from it when present).
* ``flags.jsonl`` — a LaunchDarkly audit-log entry (``_id``, ``date`` in epoch ms,
  ``accesses[].resource`` ``proj/P:env/E:flag/KEY``, ``currentVersion.tags``; before/after
  from ``previousVersion``/``currentVersion``, the environment's block when it has one; rollout
  share from percentage-rollout weights, see :func:`ld_rollout_share`) or an
  Unleash event (``id``, ``type``, ``createdAt``, ``featureName``, ``tags[]``; before/after from
  ``preData``/``data``, rollout share from a flexibleRollout strategy's ``rollout`` parameter).
* ``changes.jsonl`` — rcagraph's own record (``id``, ``kind``, ``service``, ``at``, ``actor``,
  ``source``, ``summary``, ``attributes``); ``attributes`` may carry ``version``, ``artifact``,
  ``flag_key``, ``before``, ``after``, ``rollout_share``, ``environment``.

``first_deploy_of_version`` is computed in the graph after each file, over the whole scope: a
deploy is the first of its version when no earlier deploy of the same service carried it;
rollbacks are never first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote

from pydantic import BeforeValidator, Field, StrictInt

from rcagraph.graph import Query
from rcagraph.ids import uid
from rcagraph.loaders import queries as q
from rcagraph.loaders.base import LoadContext, Rejection
from rcagraph.loaders.records import (
    Record,
    RecordError,
    Timestamp,
    Where,
    compact,
    iter_jsonl,
    raw_of,
    validate,
)
from rcagraph.loaders.timeparse import from_epoch_ms

ChangeKind = Literal["deploy", "flag", "config", "infra", "scale", "schema", "secret", "other"]

_CDEVENT_TYPE = re.compile(
    r"^dev\.cdevents\.service\.(deployed|upgraded|rolledback|removed)\.\d+\.\d+\.\d+(-[\w.]+)?$"
)
_SUBLABEL_QUERY: dict[str, Query] = {
    "deploy": q.CHANGE_DEPLOYMENT,
    "flag": q.CHANGE_FLAG,
    "config": q.CHANGE_CONFIG,
    "secret": q.CHANGE_CONFIG,
    "schema": q.CHANGE_CONFIG,
    "infra": q.CHANGE_INFRA,
    "scale": q.CHANGE_INFRA,
    "other": q.CHANGE_OTHER,
}


def _epoch_ms(value: object) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected epoch milliseconds (a number)")
    return from_epoch_ms(value)


EpochMs = Annotated[datetime, BeforeValidator(_epoch_ms)]


# -- record shapes -----------------------------------------------------------------------------


class CDContext(Record):
    id: str = Field(min_length=1)
    source: str | None = None
    type: str = Field(pattern=_CDEVENT_TYPE.pattern)
    timestamp: Timestamp
    version: str | None = None


class CDEnvironment(Record):
    id: str = Field(min_length=1)
    source: str | None = None


class CDContent(Record):
    environment: CDEnvironment | None = None
    artifactId: str | None = None  # noqa: N815 (the format's names)


class CDSubject(Record):
    id: str = Field(min_length=1)
    source: str | None = None
    type: str | None = None
    content: CDContent = Field(default_factory=CDContent)


class CDEvent(Record):
    context: CDContext
    subject: CDSubject
    customData: Any = None  # noqa: N815


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


class UnleashTag(Record):
    type: str
    value: str


class UnleashEvent(Record):
    id: StrictInt = Field(ge=0)
    type: str = Field(min_length=1)
    createdAt: Timestamp  # noqa: N815
    createdBy: str | None = None  # noqa: N815
    featureName: str = Field(min_length=1)  # noqa: N815
    project: str | None = None
    environment: str | None = None
    data: Any = None
    preData: Any = None  # noqa: N815
    tags: list[UnleashTag] = Field(default_factory=list)


class ChangeRecord(Record):
    id: str = Field(min_length=1)
    kind: ChangeKind
    service: str | None = None
    at: Timestamp
    actor: str | None = None
    source: str | None = None
    summary: str = ""
    attributes: dict[str, Any] = Field(default_factory=dict)


# -- the change, as written --------------------------------------------------------------------


@dataclass(slots=True)
class ChangeRow:
    change_id: str
    kind: str
    at: datetime
    services: list[str] = field(default_factory=list)
    actor: str | None = None
    summary: str = ""
    action: str | None = None
    version: str | None = None
    previous_version: str | None = None
    artifact: str | None = None
    environment: str | None = None
    rollback: bool = False
    rollout_share: float | None = None
    flag_key: str | None = None
    flag_provider: str | None = None
    flag_project: str | None = None
    before: str | None = None
    after: str | None = None
    attributes: str | None = None

    def node(self, scope: str, prov: Mapping[str, Any]) -> dict[str, Any]:
        services = sorted(set(self.services))
        return {
            "uid": change_uid(scope, self.kind, self.change_id),
            "change_id": self.change_id,
            "kind": self.kind,
            "at": self.at,
            "service": services[0] if len(services) == 1 else None,
            "actor": self.actor,
            "summary": self.summary,
            "action": self.action,
            "version": self.version,
            "previous_version": self.previous_version,
            "artifact": self.artifact,
            "environment": self.environment,
            "rollback": self.rollback,
            "rollout_share": self.rollout_share,
            "flag_key": self.flag_key,
            "before": self.before,
            "after": self.after,
            "attributes": self.attributes,
            **prov,
        }


def change_uid(scope: str, kind: str, change_id: str) -> str:
    return uid(scope, "Change", kind, change_id)


def purl_version(purl: str) -> str | None:
    """The version of a package URL ``pkg:type/namespace/name@version?qualifiers#subpath``."""
    if not purl.startswith("pkg:") or "/" not in purl:
        raise ValueError(f"not a package URL: {purl!r}")
    body = purl[4:].split("#", 1)[0].split("?", 1)[0]
    if "@" not in body:
        return None
    version = unquote(body.rsplit("@", 1)[1])
    return version or None


def _share(value: object, fld: str, percent: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RecordError("expected a number", field=fld)
    try:
        number = float(value)
    except ValueError:
        raise RecordError(f"not a number: {value!r}", field=fld) from None
    if percent:
        number /= 100.0
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise RecordError(
            f"rollout share out of range: {value!r} (0..{'100' if percent else '1'})", field=fld
        )
    return number


def _rollout_from(data: Mapping[str, Any], prefix: str) -> float | None:
    if "rollout_share" in data:
        return _share(data["rollout_share"], f"{prefix}.rollout_share")
    if "rolloutShare" in data:
        return _share(data["rolloutShare"], f"{prefix}.rolloutShare")
    if "rolloutPercent" in data:
        return _share(data["rolloutPercent"], f"{prefix}.rolloutPercent", percent=True)
    return None


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def parse_cdevent(obj: object) -> ChangeRow:
    event = validate(CDEvent, obj)
    match = _CDEVENT_TYPE.match(event.context.type)
    assert match is not None  # the model's pattern checked it
    action = match.group(1)
    service = event.subject.id.removeprefix("service/").strip()
    if not service:
        raise RecordError("the service name is empty", field="subject.id")
    artifact = event.subject.content.artifactId
    version: str | None = None
    if artifact is not None:
        try:
            version = purl_version(artifact)
        except ValueError as exc:
            raise RecordError(str(exc), field="subject.content.artifactId") from None
    elif action != "removed":
        raise RecordError("required field is missing", field="subject.content.artifactId")
    custom = event.customData
    rollout: float | None = None
    previous: str | None = None
    if isinstance(custom, Mapping):
        rollout = _rollout_from(custom, "customData")
        previous = _opt_str(custom.get("previousVersion", custom.get("previous_version")))
    env = event.subject.content.environment
    return ChangeRow(
        change_id=event.context.id,
        kind="deploy",
        at=event.context.timestamp,
        services=[service],
        actor=event.context.source,
        summary=" ".join(p for p in (action, service, version or "") if p),
        action=action,
        version=version,
        previous_version=previous,
        artifact=artifact,
        environment=env.id if env else None,
        rollback=action == "rolledback",
        rollout_share=rollout,
        attributes=compact(custom) if custom is not None else None,
    )


def _ld_resource(resource: str) -> dict[str, str]:
    """``proj/P:env/E:flag/KEY`` (``;tags`` and ``${…}`` parts tolerated) as a dict."""
    parts: dict[str, str] = {}
    for segment in resource.split(":"):
        if "/" not in segment:
            continue
        typ, key = segment.split("/", 1)
        parts[typ.strip()] = key.split(";", 1)[0].strip()
    return parts


def _ld_env_block(version: Mapping[str, Any] | None, env: str | None) -> str | None:
    if version is None:
        return None
    envs = version.get("environments")
    if env and isinstance(envs, Mapping) and isinstance(envs.get(env), Mapping):
        return compact(envs[env])
    return compact(version)


#: LaunchDarkly rollout weights are in thousandths of a percent: 100000 is 100 %
LD_WEIGHT_TOTAL = 100_000

_Dist = dict[int, int]


def _ld_env(
    version: Mapping[str, Any] | None, env: str | None, prefix: str
) -> tuple[Mapping[str, Any] | None, str]:
    """The environment's block of a flag version (or the version itself) and its field path."""
    if version is None:
        return None, prefix
    envs = version.get("environments")
    if env and isinstance(envs, Mapping) and isinstance(envs.get(env), Mapping):
        return envs[env], f"{prefix}.environments.{env}"
    return version, prefix


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
    cur_block, cur_path = _ld_env(current, env, "currentVersion")
    if cur_block is None:
        return None
    prev_block, prev_path = _ld_env(previous, env, "previousVersion")
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


def parse_launchdarkly(obj: object) -> ChangeRow:
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
        before=_ld_env_block(entry.previousVersion, env),
        after=_ld_env_block(entry.currentVersion, env),
        attributes=compact(attributes),
    )


def _unleash_rollout(data: object) -> float | None:
    if not isinstance(data, Mapping):
        return None
    params = data.get("parameters")
    if isinstance(params, Mapping) and "rollout" in params:
        return _share(params["rollout"], "data.parameters.rollout", percent=True)
    return None


def parse_unleash(obj: object) -> ChangeRow:
    event = validate(UnleashEvent, obj)
    services = [
        t.value.removeprefix("service:").strip()
        for t in event.tags
        if t.value.startswith("service:") and t.value.removeprefix("service:").strip()
    ] + [t.value.strip() for t in event.tags if t.type == "service" and t.value.strip()]
    before = compact(event.preData) if event.preData is not None else None
    after = compact(event.data) if event.data is not None else None
    if event.type == "feature-environment-enabled" and before is None and after is None:
        before, after = compact({"enabled": False}), compact({"enabled": True})
    elif event.type == "feature-environment-disabled" and before is None and after is None:
        before, after = compact({"enabled": True}), compact({"enabled": False})
    summary = " ".join(
        p
        for p in (
            event.createdBy,
            event.type,
            event.featureName,
            f"in {event.environment}" if event.environment else None,
        )
        if p
    )
    return ChangeRow(
        change_id=str(event.id),
        kind="flag",
        at=event.createdAt,
        services=services,
        actor=event.createdBy,
        summary=summary,
        action=event.type,
        environment=event.environment,
        rollout_share=_unleash_rollout(event.data),
        flag_key=event.featureName,
        flag_provider="unleash",
        flag_project=event.project,
        before=before,
        after=after,
        attributes=compact({"project": event.project, "tags": [t.value for t in event.tags]}),
    )


def parse_flag_change(obj: object) -> ChangeRow:
    """A LaunchDarkly audit entry (has ``_id``) or an Unleash event (has ``featureName``)."""
    if isinstance(obj, Mapping):
        if "_id" in obj:
            return parse_launchdarkly(obj)
        if "featureName" in obj or ("createdAt" in obj and "type" in obj):
            return parse_unleash(obj)
        raise RecordError(
            "neither a LaunchDarkly audit-log entry (_id) nor an Unleash event (featureName)",
            field="_id",
        )
    return parse_launchdarkly(obj)  # raises "expected a JSON object"


def _json_or_none(value: object) -> str | None:
    return None if value is None else compact(value)


def parse_change_record(obj: object) -> ChangeRow:
    rec = validate(ChangeRecord, obj)
    attrs = rec.attributes
    artifact = _opt_str(attrs.get("artifact"))
    version = _opt_str(attrs.get("version"))
    if version is None and artifact is not None and artifact.startswith("pkg:"):
        try:
            version = purl_version(artifact)
        except ValueError as exc:
            raise RecordError(str(exc), field="attributes.artifact") from None
    flag_key = _opt_str(attrs.get("flag_key", attrs.get("flag")))
    rollout = _rollout_from(attrs, "attributes")
    kept = dict(attrs)
    if rec.source is not None:
        kept["source"] = rec.source
    return ChangeRow(
        change_id=rec.id,
        kind=rec.kind,
        at=rec.at,
        services=[rec.service] if rec.service else [],
        actor=rec.actor,
        summary=rec.summary,
        action=_opt_str(attrs.get("action")),
        version=version,
        previous_version=_opt_str(attrs.get("previous_version")),
        artifact=artifact,
        environment=_opt_str(attrs.get("environment")),
        rollback=bool(attrs.get("rollback", False)),
        rollout_share=rollout,
        flag_key=flag_key,
        flag_provider=_opt_str(attrs.get("provider")),
        before=_json_or_none(attrs.get("before")),
        after=_json_or_none(attrs.get("after")),
        attributes=compact(kept) if kept else None,
    )


# -- loading -----------------------------------------------------------------------------------


def parse_lines(
    path: Path, file: str, kind: str, parse: Any
) -> Iterator[tuple[Where, ChangeRow | Rejection]]:
    """Every line of a changes file, parsed or rejected (never raises on bad input)."""
    for where, raw, value in iter_jsonl(path, file, kind):
        if isinstance(value, Rejection):
            yield where, value
            continue
        try:
            yield where, parse(value)
        except RecordError as exc:
            yield where, where.reject(kind, exc.reason, exc.field, raw=raw)
        except (ValueError, TypeError) as exc:  # defensive: a parser bug must not stop a load
            yield where, where.reject(kind, f"cannot read the record: {exc}", raw=raw_of(value))


def write_changes(ctx: LoadContext, kind: str, batch: list[tuple[ChangeRow, Where]]) -> None:
    """Write a batch of changes: the nodes by sublabel, then CHANGED, TOGGLED, USES_FLAG."""
    scope = ctx.scope
    by_query: dict[str, tuple[Query, list[dict[str, Any]]]] = {}
    changed: list[dict[str, Any]] = []
    toggled: list[dict[str, Any]] = []
    uses: list[dict[str, Any]] = []
    for row, where in batch:
        prov = ctx.provenance(where.file, where.ref)
        query = _SUBLABEL_QUERY[row.kind]
        by_query.setdefault(query.name, (query, []))[1].append(row.node(scope, prov))
        cuid = change_uid(scope, row.kind, row.change_id)
        for service in sorted(set(row.services)):
            changed.append(
                {
                    "change_uid": cuid,
                    "component_uid": uid(scope, "Component", service),
                    "service": service,
                    **prov,
                }
            )
        if row.flag_key:
            fuid = uid(scope, "Flag", row.flag_key)
            toggled.append(
                {
                    "change_uid": cuid,
                    "flag_uid": fuid,
                    "flag_key": row.flag_key,
                    "provider": row.flag_provider,
                    "project": row.flag_project,
                    **prov,
                }
            )
            for service in sorted(set(row.services)):
                uses.append(
                    {
                        "flag_uid": fuid,
                        "component_uid": uid(scope, "Component", service),
                        "service": service,
                        **prov,
                    }
                )
    extra = ctx.params()
    for query, rows in by_query.values():
        ctx.record_write(kind, ctx.graph.write_batches(query, rows, extra=extra))
    for query, rows in ((q.CHANGE_CHANGED, changed), (q.CHANGE_TOGGLED, toggled)):
        if rows:
            ctx.graph.write_batches(query, rows, batch_size=ctx.batch_size, extra=extra)
    if uses:
        ctx.graph.write_batches(q.CHANGE_USES_FLAG, uses, batch_size=ctx.batch_size, extra=extra)


class _ChangesFileLoader:
    kind = "change"
    patterns: tuple[str, ...] = ()

    @staticmethod
    def parse(obj: object) -> ChangeRow:  # pragma: no cover - overridden
        raise NotImplementedError

    def load(self, path: Path, ctx: LoadContext) -> None:
        file = ctx.rel(path)
        counts = ctx.report.counts(self.kind)
        batch: list[tuple[ChangeRow, Where]] = []
        for where, item in parse_lines(path, file, self.kind, type(self).parse):
            counts.read += 1
            if isinstance(item, Rejection):
                ctx.reject(item)
                continue
            batch.append((item, where))
            if len(batch) >= ctx.batch_size:
                write_changes(ctx, self.kind, batch)
                batch = []
        if batch:
            write_changes(ctx, self.kind, batch)
        ctx.graph.write(q.CHANGE_FIRST_DEPLOY, **ctx.params())
        ctx.graph.write(q.CHANGE_ROLLBACK_NOT_FIRST, **ctx.params())


class DeploymentsLoader(_ChangesFileLoader):
    """``deployments.jsonl``: CDEvents service events."""

    kind = "deployment"
    patterns: tuple[str, ...] = ("deployments.jsonl",)
    parse = staticmethod(parse_cdevent)


class FlagsLoader(_ChangesFileLoader):
    """``flags.jsonl``: LaunchDarkly audit-log entries and Unleash events."""

    kind = "flag_change"
    patterns: tuple[str, ...] = ("flags.jsonl",)
    parse = staticmethod(parse_flag_change)


class ChangesLoader(_ChangesFileLoader):
    """``changes.jsonl``: rcagraph's own change records."""

    kind = "change"
    patterns: tuple[str, ...] = ("changes.jsonl",)
    parse = staticmethod(parse_change_record)
