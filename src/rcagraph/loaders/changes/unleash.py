"""``flags.jsonl``: Unleash events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, StrictInt

from rcagraph.loaders.changes.row import ChangeRow, share
from rcagraph.loaders.records import Record, Timestamp, compact, validate


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


def _unleash_rollout(data: object) -> float | None:
    if not isinstance(data, Mapping):
        return None
    params = data.get("parameters")
    if isinstance(params, Mapping) and "rollout" in params:
        return share(params["rollout"], "data.parameters.rollout", percent=True)
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
