"""Loading the change files: parsing their lines, writing the changes in batches, one loader
per file."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from rcagraph.graph import Query
from rcagraph.ids import uid
from rcagraph.loaders import queries as q
from rcagraph.loaders.base import LoadContext, Rejection
from rcagraph.loaders.changes.cdevents import parse_cdevent
from rcagraph.loaders.changes.change_records import parse_change_record
from rcagraph.loaders.changes.launchdarkly import parse_launchdarkly
from rcagraph.loaders.changes.row import ChangeRow, change_uid
from rcagraph.loaders.changes.unleash import parse_unleash
from rcagraph.loaders.records import RecordError, Where, iter_jsonl, raw_of

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
