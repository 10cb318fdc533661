"""``incident.json`` → ``:Incident`` with ``HAS_SYMPTOM`` to the components it names.

incident.json is the one required file of a bundle; when it is missing or cannot be read the
whole bundle is refused (:class:`~rcagraph.errors.BundleError`), naming the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from rcagraph.errors import BundleError
from rcagraph.ids import uid
from rcagraph.loaders import queries as q
from rcagraph.loaders.base import LoadContext, Rejection
from rcagraph.loaders.records import Record, RecordError, Timestamp, read_json_document, validate
from rcagraph.schema.signals import Signal

INCIDENT_FILE = "incident.json"

Severity = Literal["SEV1", "SEV2", "SEV3", "SEV4"]


class SymptomRecord(Record):
    service: str = Field(min_length=1)
    signal: Signal
    metric: str | None = None


class IncidentRecord(Record):
    id: str = Field(min_length=1)
    title: str = ""
    severity: Severity
    system: str | None = None
    started_at: Timestamp
    detected_at: Timestamp | None = None
    mitigated_at: Timestamp | None = None
    resolved_at: Timestamp | None = None
    symptoms: list[SymptomRecord] = Field(default_factory=list)

    @property
    def status(self) -> str:
        if self.resolved_at is not None:
            return "resolved"
        if self.mitigated_at is not None:
            return "mitigated"
        return "open"


def read_incident(bundle_dir: Path) -> IncidentRecord:
    """Read and validate ``BUNDLE/incident.json``; raise BundleError naming the field."""
    path = bundle_dir / INCIDENT_FILE
    if not path.is_file():
        raise BundleError(
            "the bundle has no incident.json (the one required file)", file=INCIDENT_FILE
        )
    doc = read_json_document(path, INCIDENT_FILE, "incident")
    if isinstance(doc, Rejection):
        raise BundleError(doc.reason, file=INCIDENT_FILE, line=doc.line)
    if not isinstance(doc, dict):
        raise BundleError("incident.json must hold a JSON object", file=INCIDENT_FILE)
    try:
        return validate(IncidentRecord, doc)
    except RecordError as exc:
        pointer = "/" + exc.field.replace(".", "/") if exc.field else None
        raise BundleError(
            exc.reason, file=INCIDENT_FILE, pointer=pointer, field=exc.field
        ) from None


def incident_uid(scope: str, incident_id: str) -> str:
    return uid(scope, "Incident", incident_id)


class IncidentLoader:
    """Writes the incident and its symptoms."""

    kind = "incident"
    patterns: tuple[str, ...] = (INCIDENT_FILE,)

    def load(self, path: Path, ctx: LoadContext) -> None:
        record = read_incident(path.parent)
        ctx.report.counts(self.kind).read += 1
        prov = ctx.provenance(ctx.rel(path), "/")
        iuid = incident_uid(ctx.scope, record.id)
        row = {
            "uid": iuid,
            "id": record.id,
            "title": record.title,
            "severity": record.severity,
            "system": record.system,
            "status": record.status,
            "started_at": record.started_at,
            "detected_at": record.detected_at,
            "mitigated_at": record.mitigated_at,
            "resolved_at": record.resolved_at,
            **prov,
        }
        stats = ctx.graph.write_batches(q.INCIDENT, [row], extra=ctx.params())
        ctx.record_write(self.kind, stats)
        symptoms = [
            {
                "incident_uid": iuid,
                "component_uid": uid(ctx.scope, "Component", s.service),
                "service": s.service,
                "signal": s.signal,
                "metric": s.metric,
                **ctx.provenance(ctx.rel(path), f"/symptoms/{i}"),
            }
            for i, s in enumerate(record.symptoms)
        ]
        if symptoms:
            ctx.graph.write_batches(q.INCIDENT_SYMPTOMS, symptoms, extra=ctx.params())
