"""A change as the loaders write it (:class:`ChangeRow`), and the field readers the change
formats share."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from rcagraph.ids import uid
from rcagraph.loaders.limits import MAX_KEY_CHARS
from rcagraph.loaders.records import RecordError

ChangeKind = Literal["deploy", "flag", "config", "infra", "scale", "schema", "secret", "other"]


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

    def __post_init__(self) -> None:
        """Refuse keys that go into index-backed properties when they are over
        ``MAX_KEY_CHARS`` (Neo4j's index would refuse the whole write)."""
        keys: dict[str, list[str | None]] = {
            "change_id": [self.change_id],
            "flag_key": [self.flag_key],
            "services": list(self.services),
        }
        for name, values in keys.items():
            if any(v is not None and len(v) > MAX_KEY_CHARS for v in values):
                raise RecordError(f"longer than {MAX_KEY_CHARS} characters", field=name)

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


def share(value: object, fld: str, percent: bool = False) -> float:
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


def rollout_from(data: Mapping[str, Any], prefix: str) -> float | None:
    if "rollout_share" in data:
        return share(data["rollout_share"], f"{prefix}.rollout_share")
    if "rolloutShare" in data:
        return share(data["rolloutShare"], f"{prefix}.rolloutShare")
    if "rolloutPercent" in data:
        return share(data["rolloutPercent"], f"{prefix}.rolloutPercent", percent=True)
    return None


def opt_str(value: object) -> str | None:
    return None if value is None else str(value)
