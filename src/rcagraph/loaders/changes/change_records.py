"""``changes.jsonl``: rcagraph's own change records (config, infra, schema, secret and any
other kind, deploys and flags too)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from rcagraph.loaders.changes.cdevents import purl_version
from rcagraph.loaders.changes.row import ChangeKind, ChangeRow, opt_str, rollout_from
from rcagraph.loaders.records import Record, RecordError, Timestamp, compact, validate


class ChangeRecord(Record):
    id: str = Field(min_length=1)
    kind: ChangeKind
    service: str | None = None
    at: Timestamp
    actor: str | None = None
    source: str | None = None
    summary: str = ""
    attributes: dict[str, Any] = Field(default_factory=dict)


def _json_or_none(value: object) -> str | None:
    return None if value is None else compact(value)


def parse_change_record(obj: object) -> ChangeRow:
    rec = validate(ChangeRecord, obj)
    attrs = rec.attributes
    artifact = opt_str(attrs.get("artifact"))
    version = opt_str(attrs.get("version"))
    if version is None and artifact is not None and artifact.startswith("pkg:"):
        try:
            version = purl_version(artifact)
        except ValueError as exc:
            raise RecordError(str(exc), field="attributes.artifact") from None
    flag_key = opt_str(attrs.get("flag_key", attrs.get("flag")))
    rollout = rollout_from(attrs, "attributes")
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
        action=opt_str(attrs.get("action")),
        version=version,
        previous_version=opt_str(attrs.get("previous_version")),
        artifact=artifact,
        environment=opt_str(attrs.get("environment")),
        rollback=bool(attrs.get("rollback", False)),
        rollout_share=rollout,
        flag_key=flag_key,
        flag_provider=opt_str(attrs.get("provider")),
        before=_json_or_none(attrs.get("before")),
        after=_json_or_none(attrs.get("after")),
        attributes=compact(kept) if kept else None,
    )
