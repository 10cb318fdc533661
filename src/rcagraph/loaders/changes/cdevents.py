"""``deployments.jsonl``: CDEvents v0.4 events, plain or as structured-mode CloudEvents.

* ``service.{deployed,upgraded,rolledback,removed}`` → a deploy :class:`ChangeRow`;
* ``incident.{detected,reported,resolved}`` → an :class:`IncidentEventRow` (the ``:Incident``
  it names, see :mod:`rcagraph.loaders.changes.load`);
* every other well-formed CDEvent (``service.published``, ``pipelineRun.finished``, …) is valid
  but unused: :class:`~rcagraph.loaders.records.RecordSkipped`, counted, not rejected.

A structured-mode CloudEvent (``application/cloudevents+json``: ``specversion``, ``type``,
``source``, ``id``, ``time`` and the CDEvent in ``data``, or base64 JSON in ``data_base64``) is
unwrapped first (:func:`unwrap_cloudevent`); a ``data`` without ``context`` takes it from the
envelope. A binary-mode CloudEvent's body is the CDEvent itself.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from pydantic import Field

from rcagraph.loaders.changes.row import ChangeRow, opt_str, rollout_from
from rcagraph.loaders.records import (
    Record,
    RecordError,
    RecordSkipped,
    Timestamp,
    compact,
    validate,
)

#: any CDEvent type: ``dev.cdevents.<subject>.<predicate>.<version>``
_ANY_CDEVENT = re.compile(r"^dev\.cdevents\.([A-Za-z]+)\.([A-Za-z]+)\.\d+\.\d+\.\d+(-[\w.]+)?$")
SERVICE_ACTIONS = frozenset({"deployed", "upgraded", "rolledback", "removed"})
INCIDENT_ACTIONS = frozenset({"detected", "reported", "resolved"})


class CDContext(Record):
    id: str = Field(min_length=1)
    source: str | None = None
    type: str = Field(pattern=_ANY_CDEVENT.pattern)
    timestamp: Timestamp
    version: str | None = None


class CDEnvironment(Record):
    id: str = Field(min_length=1)
    source: str | None = None


class CDService(Record):
    id: str = Field(min_length=1)
    source: str | None = None


class CDContent(Record):
    environment: CDEnvironment | None = None
    artifactId: str | None = None  # noqa: N815 (the format's names)
    description: str | None = None
    service: CDService | None = None
    ticketURI: str | None = None  # noqa: N815


class CDSubject(Record):
    id: str = Field(min_length=1)
    source: str | None = None
    type: str | None = None
    content: CDContent = Field(default_factory=CDContent)


class CDEvent(Record):
    context: CDContext
    subject: CDSubject
    customData: Any = None  # noqa: N815


class CDHeader(Record):
    """What every CDEvent has, whatever its type: enough to tell it apart and skip it."""

    context: CDContext


@dataclass(slots=True)
class IncidentEventRow:
    """A CDEvents ``incident.*`` event: the incident it names and what it says of it."""

    event_id: str
    incident_id: str
    predicate: str  # detected, reported, resolved
    at: datetime
    actor: str | None
    description: str | None
    service: str | None
    environment: str | None
    artifact: str | None
    ticket_uri: str | None
    severity: str | None


def _decoded_data(envelope: Mapping[str, Any]) -> object:
    if "data_base64" in envelope and envelope.get("data") is None:
        encoded = envelope["data_base64"]
        if not isinstance(encoded, str):
            raise RecordError("expected a base64 string", field="data_base64")
        try:
            return json.loads(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError, RecursionError) as exc:
            raise RecordError(f"not base64 of a JSON CDEvent: {exc}", field="data_base64") from None
    if "data" not in envelope:
        raise RecordError("a CloudEvent without data (the CDEvent)", field="data")
    data = envelope["data"]
    if isinstance(data, str):
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise RecordError(f"data is a string but not JSON: {exc}", field="data") from None
    return data


def unwrap_cloudevent(obj: object) -> object:
    """The CDEvent of a structured-mode CloudEvent envelope (``specversion`` …, ``data``);
    anything else as it is. A ``data`` object without ``context`` gets the envelope's
    ``id``, ``source``, ``type`` and ``time`` as its context. A CloudEvent whose ``type`` is
    not a CDEvent's (``dev.cdevents.…``) is skipped, as a broker may forward every event."""
    if not isinstance(obj, Mapping) or "specversion" not in obj or "context" in obj:
        return obj
    ce_type = obj.get("type")
    if isinstance(ce_type, str) and ce_type and not ce_type.startswith("dev.cdevents."):
        raise RecordSkipped(f"CloudEvents of type {ce_type!r} are not CDEvents")
    data = _decoded_data(obj)
    if isinstance(data, Mapping) and "context" not in data and "subject" in data:
        context = {
            "id": obj.get("id"),
            "source": obj.get("source"),
            "type": obj.get("type"),
            "timestamp": obj.get("time"),
        }
        data = {**data, "context": {k: v for k, v in context.items() if v is not None}}
    if not isinstance(data, Mapping):
        raise RecordError(
            f"the CloudEvent's data is not a CDEvent object ({type(data).__name__})", field="data"
        )
    return data


def purl_version(purl: str) -> str | None:
    """The version of a package URL ``pkg:type/namespace/name@version?qualifiers#subpath``."""
    if not purl.startswith("pkg:") or "/" not in purl:
        raise ValueError(f"not a package URL: {purl!r}")
    body = purl[4:].split("#", 1)[0].split("?", 1)[0]
    if "@" not in body:
        return None
    version = unquote(body.rsplit("@", 1)[1])
    return version or None


def parse_cdevent(obj: object) -> ChangeRow | IncidentEventRow:
    """A CDEvent (or a structured-mode CloudEvent holding one) as a deploy or an incident
    event; raises RecordSkipped for a well-formed CDEvent of another type, RecordError
    naming the field for a bad one."""
    obj = unwrap_cloudevent(obj)
    header = validate(CDHeader, obj)
    match = _ANY_CDEVENT.match(header.context.type)
    assert match is not None  # the model's pattern checked it
    subject, action = match.group(1), match.group(2)
    if subject == "service" and action in SERVICE_ACTIONS:
        return _deploy(validate(CDEvent, obj), action)
    if subject == "incident" and action in INCIDENT_ACTIONS:
        return _incident(validate(CDEvent, obj), action)
    raise RecordSkipped(f"CDEvents {subject}.{action} is not used")


def _severity(custom: object) -> str | None:
    if not isinstance(custom, Mapping):
        return None
    value = custom.get("severity")
    text = str(value).strip().upper() if isinstance(value, str | int) else ""
    if re.fullmatch(r"SEV[1-4]", text):
        return text
    return None


def _incident(event: CDEvent, action: str) -> IncidentEventRow:
    content = event.subject.content
    if action == "reported" and not content.ticketURI:
        raise RecordError("required field is missing", field="subject.content.ticketURI")
    service = content.service.id.removeprefix("service/").strip() if content.service else None
    return IncidentEventRow(
        event_id=event.context.id,
        incident_id=event.subject.id,
        predicate=action,
        at=event.context.timestamp,
        actor=event.context.source,
        description=content.description or None,
        service=service or None,
        environment=content.environment.id if content.environment else None,
        artifact=content.artifactId,
        ticket_uri=content.ticketURI,
        severity=_severity(event.customData),
    )


def _deploy(event: CDEvent, action: str) -> ChangeRow:
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
