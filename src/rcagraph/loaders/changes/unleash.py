"""``flags.jsonl``: Unleash events, as the Unleash webhook addon posts them (the event itself:
``id``, ``type``, ``createdBy``, ``createdAt``, ``featureName``, ``project``, ``environment``,
``data``, ``preData``, ``tags``) and as ``/api/admin/events`` lists them.

An event that names no feature (``strategy-created``, ``project-created``, change requests, …)
or only touches a flag's bookkeeping (tags, staleness, favourites, its description) is valid
and not a flag change: :class:`~rcagraph.loaders.records.RecordSkipped`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, StrictInt

from rcagraph.loaders.changes.row import ChangeRow, share
from rcagraph.loaders.records import Record, RecordSkipped, Timestamp, compact, validate

#: feature events that change nothing a user of the flag sees
NOT_FLAG_CHANGES = frozenset(
    {
        "feature-tagged",
        "feature-untagged",
        "feature-stale-on",
        "feature-stale-off",
        "feature-potentially-stale-on",
        "feature-favorited",
        "feature-unfavorited",
        "feature-metadata-updated",
        "feature-completed",
        "feature-uncompleted",
        "feature-link-added",
        "feature-link-removed",
        "feature-link-updated",
    }
)


class UnleashTag(Record):
    type: str
    value: str


class UnleashHeader(Record):
    """What every Unleash event has."""

    id: StrictInt = Field(ge=0)
    type: str = Field(min_length=1)
    featureName: str | None = None  # noqa: N815


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
    """An Unleash feature event as a flag change; raises RecordSkipped for an event that is
    not one (no ``featureName``, or a type in :data:`NOT_FLAG_CHANGES`)."""
    header = validate(UnleashHeader, obj)
    if not header.featureName:
        raise RecordSkipped(f"Unleash {header.type!r} events name no feature: not a flag change")
    if header.type in NOT_FLAG_CHANGES:
        raise RecordSkipped(f"Unleash {header.type!r} events change no flag's behaviour")
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
