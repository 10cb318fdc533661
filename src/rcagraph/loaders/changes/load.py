"""Loading the change files: parsing their lines, writing the changes in batches, one loader
per file."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rcagraph.graph import Query
from rcagraph.ids import uid
from rcagraph.loaders import queries as q
from rcagraph.loaders.base import LoadContext, Rejection
from rcagraph.loaders.changes.cdevents import IncidentEventRow, parse_cdevent
from rcagraph.loaders.changes.change_records import parse_change_record
from rcagraph.loaders.changes.incident_events import KIND as INCIDENT_EVENT
from rcagraph.loaders.changes.incident_events import write_incident_events
from rcagraph.loaders.changes.launchdarkly import parse_launchdarkly
from rcagraph.loaders.changes.row import ChangeRow, change_uid
from rcagraph.loaders.changes.unleash import parse_unleash
from rcagraph.loaders.records import RecordError, RecordSkipped, Where, iter_jsonl, raw_of

#: what a changes-file parser gives for one record
Parsed = ChangeRow | IncidentEventRow


@dataclass(frozen=True, slots=True)
class Skipped:
    """A valid record that is not used, and why (counted as skipped, not rejected)."""

    reason: str


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


def parse_lines(
    path: Path, file: str, kind: str, parse: Any
) -> Iterator[tuple[Where, Parsed | Rejection | Skipped]]:
    """Every record of a changes file, parsed, rejected or skipped (never raises on bad
    input). A line holding a JSON array (a CloudEvents batch) gives one record per element,
    at ``line N /i``."""
    for where, raw, value in iter_jsonl(path, file, kind):
        if isinstance(value, Rejection):
            yield where, value
            continue
        if isinstance(value, list):
            for i, item in enumerate(value):
                at = Where(file, line=where.line, pointer=f"/{i}")
                yield at, _parse_one(at, kind, parse, item, raw_of(item))
            continue
        yield where, _parse_one(where, kind, parse, value, raw)


def _parse_one(
    where: Where, kind: str, parse: Any, value: object, raw: str
) -> Parsed | Rejection | Skipped:
    try:
        parsed: Parsed = parse(value)
    except RecordSkipped as exc:
        return Skipped(exc.reason)
    except RecordError as exc:
        return where.reject(kind, exc.reason, exc.field, raw=raw)
    except (ValueError, TypeError) as exc:  # defensive: a parser bug must not stop a load
        return where.reject(kind, f"cannot read the record: {exc}", raw=raw_of(value))
    return parsed


def write_changes(ctx: LoadContext, kind: str, batch: list[tuple[ChangeRow, Where]]) -> None:
    """Write a batch of changes: the nodes by sublabel, then CHANGED, TOGGLED, USES_FLAG."""
    scope = ctx.scope
    by_query: dict[str, tuple[Query, list[dict[str, Any]]]] = {}
    changed: list[dict[str, Any]] = []
    toggled: list[dict[str, Any]] = []
    uses: list[dict[str, Any]] = []
    for row, where in batch:
        prov = ctx.provenance(where.file, ctx.source_ref(where))
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
    def parse(obj: object) -> Parsed:  # pragma: no cover - overridden
        raise NotImplementedError

    def load(self, path: Path, ctx: LoadContext) -> None:
        file = ctx.rel(path)
        batch: list[tuple[ChangeRow, Where]] = []
        incidents: list[tuple[IncidentEventRow, Where]] = []
        for where, item in parse_lines(path, file, self.kind, type(self).parse):
            if isinstance(item, IncidentEventRow):
                ctx.report.counts(INCIDENT_EVENT).read += 1
                incidents.append((item, where))
                if len(incidents) >= ctx.batch_size:
                    write_incident_events(ctx, incidents)
                    incidents = []
                continue
            ctx.report.counts(self.kind).read += 1
            if isinstance(item, Skipped):
                ctx.skip(self.kind, item.reason)
            elif isinstance(item, Rejection):
                ctx.reject(item)
            else:
                batch.append((item, where))
            if len(batch) >= ctx.batch_size:
                write_changes(ctx, self.kind, batch)
                batch = []
        if batch:
            write_changes(ctx, self.kind, batch)
        if incidents:
            write_incident_events(ctx, incidents)
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
