"""``alerts/*.json``: Alertmanager webhook payloads (``version`` "4") and Grafana-managed
alerting webhooks (the same shape, ``version`` "1", with ``orgId``, ``state``, ``title``,
``message`` and per-alert ``values``/``valueString``, read and not stored), one a file or an
array.

Each ``alerts[]`` item becomes an ``:Alert:Event`` with ``OBSERVED_ON`` to its component. The
service is the first of the labels ``service``, ``service_name``, ``job``, ``app`` on the alert,
then on the payload's ``commonLabels``.

Identity: the upstream ``fingerprint`` is kept (and indexed) as the alert's identity (an alert
without one, as older Alertmanager releases send, gets the fingerprint Alertmanager computes
from its label set: :func:`label_fingerprint`); an alert without ``status`` takes the group's.
The node's
``uid`` is the fingerprint *and* ``startsAt``. Alertmanager gives an alert that fires again
after it resolved the same fingerprint and a new ``startsAt``: that is a new episode and a new
``:Alert`` node, while the firing and the resolved notification of one episode (same
``startsAt``) merge into one node whose ``status`` becomes ``resolved`` and ``ends_at`` the
resolved ``endsAt`` (a resolved notification is never overwritten by a firing one, so the order
in which files load does not matter).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from rcagraph.ids import uid
from rcagraph.loaders import queries as q
from rcagraph.loaders.base import LoadContext, Rejection
from rcagraph.loaders.limits import MAX_KEY_CHARS
from rcagraph.loaders.records import (
    Key,
    Record,
    RecordError,
    Timestamp,
    Where,
    compact,
    raw_of,
    read_json_document,
    validate,
)

SERVICE_LABELS = ("service", "service_name", "job", "app")
_ZERO_TIME_PREFIX = "0001-01-01"


Status = Literal["firing", "resolved"]


class AlertItem(Record):
    status: Status | None = None
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: Timestamp  # noqa: N815 (the format's names)
    endsAt: str | None = None  # noqa: N815 (checked below: zero time means "not ended")
    generatorURL: str | None = None  # noqa: N815
    fingerprint: Key | None = None


class WebhookPayload(Record):
    version: Literal["1", "2", "3", "4"]  # Alertmanager: "4"; Grafana-managed alerting: "1"
    status: Status | None = None
    groupKey: str | None = None  # noqa: N815
    receiver: str | None = None
    commonLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    alerts: list[dict[str, Any]]


@dataclass(slots=True)
class AlertRow:
    fingerprint: str
    name: str | None
    service: str | None
    status: str
    at: datetime
    ends_at: datetime | None
    severity: str | None
    labels: str
    annotations: str
    generator_url: str | None

    def node(self, scope: str, prov: dict[str, Any]) -> dict[str, Any]:
        return {
            "uid": alert_uid(scope, self.fingerprint, self.at),
            "fingerprint": self.fingerprint,
            "name": self.name,
            "service": self.service,
            "status": self.status,
            "at": self.at,
            "ends_at": self.ends_at,
            "severity": self.severity,
            "labels": self.labels,
            "annotations": self.annotations,
            "generator_url": self.generator_url,
            **prov,
        }


def alert_uid(scope: str, fingerprint: str, starts_at: datetime) -> str:
    return uid(scope, "Alert", fingerprint, starts_at.isoformat())


def _service(*label_sets: dict[str, str]) -> str | None:
    for labels in label_sets:
        for key in SERVICE_LABELS:
            value = labels.get(key, "").strip()
            if value:
                return value
    return None


_FNV64_OFFSET = 14695981039346656037
_FNV64_PRIME = 1099511628211
_MASK64 = (1 << 64) - 1
#: the byte Prometheus puts after every label name and value (it cannot occur in UTF-8)
_SEPARATOR = 0xFF


def label_fingerprint(labels: Mapping[str, str]) -> str:
    """The fingerprint Alertmanager gives an alert: the 64-bit FNV-1a hash of its label set,
    labels sorted by name, each name and each value followed by the byte 0xFF, as 16 lower-case
    hex digits (Prometheus ``model.LabelSet.Fingerprint``; an empty set hashes to the FNV
    offset basis)."""
    h = _FNV64_OFFSET
    for name in sorted(labels):  # code-point order is UTF-8 byte order, as Go sorts
        for part in (name, labels[name]):
            for byte in part.encode("utf-8", "surrogatepass"):
                h = ((h ^ byte) * _FNV64_PRIME) & _MASK64
            h = ((h ^ _SEPARATOR) * _FNV64_PRIME) & _MASK64
    return f"{h:016x}"


def parse_alert(
    item: object, common: dict[str, str], group_status: Status | None = None
) -> AlertRow:
    alert = validate(AlertItem, item)
    status = alert.status or group_status
    if status is None:
        raise RecordError("required field is missing (on the alert and on the group)", "status")
    ends_at: datetime | None = None
    if alert.endsAt and not alert.endsAt.startswith(_ZERO_TIME_PREFIX):
        try:
            ends_at = validate(_EndsAt, {"endsAt": alert.endsAt}).endsAt
        except RecordError as exc:
            raise RecordError(exc.reason, field="endsAt") from None
    service = _service(alert.labels, common)
    if service is not None and len(service) > MAX_KEY_CHARS:
        raise RecordError(f"the service label is over {MAX_KEY_CHARS} characters", "labels")
    return AlertRow(
        fingerprint=alert.fingerprint or label_fingerprint(alert.labels),
        name=alert.labels.get("alertname"),
        service=service,
        status=status,
        at=alert.startsAt,
        ends_at=ends_at,
        severity=alert.labels.get("severity"),
        labels=compact(alert.labels),
        annotations=compact(alert.annotations),
        generator_url=alert.generatorURL,
    )


class _EndsAt(Record):
    endsAt: Timestamp  # noqa: N815


def parse_payloads(doc: object, file: str) -> Iterator[tuple[Where, AlertRow | Rejection]]:
    """Every alert of a webhook payload (or a JSON array of payloads), parsed or rejected."""
    payloads: list[tuple[str, object]]
    payloads = [(f"/{i}", p) for i, p in enumerate(doc)] if isinstance(doc, list) else [("", doc)]
    for base, payload in payloads:
        where = Where(file, pointer=base or "/")
        try:
            header = validate(WebhookPayload, payload)
        except RecordError as exc:
            pointer = base + ("/" + exc.field.replace(".", "/") if exc.field else "")
            yield (
                where,
                Where(file, pointer=pointer or "/").reject(
                    "alert", exc.reason, exc.field, raw=raw_of(payload)
                ),
            )
            continue
        for i, item in enumerate(header.alerts):
            at = Where(file, pointer=f"{base}/alerts/{i}")
            try:
                yield at, parse_alert(item, header.commonLabels, header.status)
            except RecordError as exc:
                yield at, at.reject("alert", exc.reason, exc.field, raw=raw_of(item))


class AlertsLoader:
    """Alertmanager webhook payloads."""

    kind = "alert"
    patterns: tuple[str, ...] = ("alerts/*.json",)

    def load(self, path: Path, ctx: LoadContext) -> None:
        file = ctx.rel(path)
        counts = ctx.report.counts(self.kind)
        doc = read_json_document(path, file, self.kind)
        if isinstance(doc, Rejection):
            counts.read += 1
            ctx.reject(doc)
            return
        nodes: list[dict[str, Any]] = []
        observed: list[dict[str, Any]] = []
        for where, item in parse_payloads(doc, file):
            counts.read += 1
            if isinstance(item, Rejection):
                ctx.reject(item)
                continue
            prov = ctx.provenance(file, where.ref)
            node = item.node(ctx.scope, prov)
            nodes.append(node)
            if item.service:
                observed.append(
                    {
                        "alert_uid": node["uid"],
                        "component_uid": uid(ctx.scope, "Component", item.service),
                        "service": item.service,
                        **prov,
                    }
                )
        if nodes:
            # resolved notifications last, so a file's firing item never hides its resolution
            nodes.sort(key=lambda n: n["status"] == "resolved")
            stats = ctx.graph.write_batches(
                q.ALERT, nodes, batch_size=ctx.batch_size, extra=ctx.params()
            )
            ctx.record_write(self.kind, stats)
        if observed:
            ctx.graph.write_batches(
                q.ALERT_OBSERVED_ON, observed, batch_size=ctx.batch_size, extra=ctx.params()
            )
