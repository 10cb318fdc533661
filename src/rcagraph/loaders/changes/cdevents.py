"""``deployments.jsonl``: CDEvents v0.4 service events (deployed, upgraded, rolledback, removed)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from pydantic import Field

from rcagraph.loaders.changes.row import ChangeRow, opt_str, rollout_from
from rcagraph.loaders.records import Record, RecordError, Timestamp, compact, validate

_CDEVENT_TYPE = re.compile(
    r"^dev\.cdevents\.service\.(deployed|upgraded|rolledback|removed)\.\d+\.\d+\.\d+(-[\w.]+)?$"
)


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


def purl_version(purl: str) -> str | None:
    """The version of a package URL ``pkg:type/namespace/name@version?qualifiers#subpath``."""
    if not purl.startswith("pkg:") or "/" not in purl:
        raise ValueError(f"not a package URL: {purl!r}")
    body = purl[4:].split("#", 1)[0].split("?", 1)[0]
    if "@" not in body:
        return None
    version = unquote(body.rsplit("@", 1)[1])
    return version or None


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
        rollout = rollout_from(custom, "customData")
        previous = opt_str(custom.get("previousVersion", custom.get("previous_version")))
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
