"""Topology: Backstage catalog entities (``topology/*.yaml``) and ``topology/edges.csv``.

Catalog (``apiVersion: backstage.io/v1alpha1``, one or many documents a file):

* ``Component`` → ``:Component:Service``; ``Resource`` → ``:Component:Resource``
  (``kind`` from ``spec.type``: database, cache, queue, storage, … or ``service``);
* ``API`` → ``:API``, ``Group`` → ``:Team``, ``System`` → ``:System``;
* ``spec.dependsOn`` entity refs → ``DEPENDS_ON {via: 'dependsOn'}``;
  ``spec.providesApis`` / ``spec.consumesApis`` → ``PROVIDES_API`` / ``CONSUMES_API``, and the
  consumer joined to every provider of the same API → ``DEPENDS_ON {via: 'api:<name>'}``;
* ``spec.owner`` (a group) → ``(:Team)-[:OWNS]->``, ``spec.system`` → ``PART_OF``;
* ``metadata.annotations`` kept as JSON; ``rcagraph.io/feature-flags`` (comma-separated flag
  keys) → ``USES_FLAG`` to ``:Flag``. Kinds outside the model (User, Domain, Location,
  Template) are read and skipped.

Components are keyed by name (``metadata.name``), not namespace, so that the names telemetry
uses (``service.name``) meet the catalog's. Every document is parsed on its own: a broken
document is rejected (file, line of the document, field) and the file's others still load.

``edges.csv``: header ``caller,callee`` with optional ``protocol`` and ``calls`` → ``CALLS``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field

from rcagraph.graph import Query
from rcagraph.ids import uid
from rcagraph.loaders import queries as q
from rcagraph.loaders.base import LoadContext, Rejection
from rcagraph.loaders.records import Record, RecordError, Where, compact, validate

FLAGS_ANNOTATION = "rcagraph.io/feature-flags"
_DOC_SEPARATOR = re.compile(r"^---(\s.*)?$")
_SKIPPED_KINDS = frozenset({"User", "Domain", "Location", "Template"})

_RESOURCE_KINDS: dict[str, str] = {
    "database": "database",
    "postgres": "database",
    "postgresql": "database",
    "mysql": "database",
    "dynamodb": "database",
    "cache": "cache",
    "redis": "cache",
    "memcached": "cache",
    "queue": "queue",
    "kafka-topic": "queue",
    "sqs-queue": "queue",
    "topic": "queue",
    "s3-bucket": "storage",
    "storage": "storage",
    "bucket": "storage",
    "load-balancer": "loadbalancer",
    "loadbalancer": "loadbalancer",
    "function": "function",
    "lambda": "function",
}


class Metadata(Record):
    name: str = Field(min_length=1)
    namespace: str = "default"
    annotations: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)


class Entity(Record):
    apiVersion: str = Field(pattern=r"^backstage\.io/")  # noqa: N815 (the format's name)
    kind: str = Field(min_length=1)
    metadata: Metadata
    spec: dict[str, Any] = Field(default_factory=dict)


class ComponentSpec(Record):
    type: str = Field(min_length=1)
    lifecycle: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    system: str | None = None
    dependsOn: list[str] = Field(default_factory=list)  # noqa: N815
    providesApis: list[str] = Field(default_factory=list)  # noqa: N815
    consumesApis: list[str] = Field(default_factory=list)  # noqa: N815


class ResourceSpec(Record):
    type: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    system: str | None = None
    dependsOn: list[str] = Field(default_factory=list)  # noqa: N815


class ApiSpec(Record):
    type: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    lifecycle: str | None = None
    system: str | None = None


class GroupProfile(Record):
    displayName: str | None = None  # noqa: N815
    email: str | None = None


class GroupSpec(Record):
    type: str = Field(min_length=1)
    profile: GroupProfile = Field(default_factory=GroupProfile)


class SystemSpec(Record):
    owner: str = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class EntityRef:
    kind: str | None
    namespace: str
    name: str


def parse_ref(ref: str, default_kind: str | None = None) -> EntityRef:
    """A Backstage entity reference ``[kind:][namespace/]name``."""
    text = ref.strip()
    if not text:
        raise ValueError("empty entity reference")
    kind: str | None = default_kind
    if ":" in text:
        kind_part, text = text.split(":", 1)
        kind = kind_part.strip().lower() or default_kind
    namespace = "default"
    if "/" in text:
        namespace, text = text.split("/", 1)
    name = text.strip()
    if not name or "/" in name or ":" in name:
        raise ValueError(f"not an entity reference: {ref!r}")
    return EntityRef(kind, namespace.strip() or "default", name)


def component_kind(entity_kind: str, spec_type: str) -> str:
    t = spec_type.strip().lower()
    if entity_kind == "Component":
        if t in ("function", "lambda"):
            return "function"
        return "service"
    return _RESOURCE_KINDS.get(t, "resource")


@dataclass(slots=True)
class CatalogRows:
    """The rows one catalog file yields, per query."""

    services: list[dict[str, Any]] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)
    systems: list[dict[str, Any]] = field(default_factory=list)
    apis: list[dict[str, Any]] = field(default_factory=list)
    depends_on: list[dict[str, Any]] = field(default_factory=list)
    owns: list[dict[str, Any]] = field(default_factory=list)
    part_of: list[dict[str, Any]] = field(default_factory=list)
    provides: list[dict[str, Any]] = field(default_factory=list)
    consumes: list[dict[str, Any]] = field(default_factory=list)
    uses_flag: list[dict[str, Any]] = field(default_factory=list)
    entities: int = 0

    def node_batches(self) -> list[tuple[Query, list[dict[str, Any]]]]:
        return [
            (q.CATALOG_SERVICE, self.services),
            (q.CATALOG_RESOURCE, self.resources),
            (q.CATALOG_TEAM, self.teams),
            (q.CATALOG_SYSTEM, self.systems),
            (q.CATALOG_API, self.apis),
        ]

    def rel_batches(self) -> list[tuple[Query, list[dict[str, Any]]]]:
        return [
            (q.CATALOG_DEPENDS_ON, self.depends_on),
            (q.CATALOG_OWNS, self.owns),
            (q.CATALOG_PART_OF, self.part_of),
            (q.CATALOG_PROVIDES_API, self.provides),
            (q.CATALOG_CONSUMES_API, self.consumes),
            (q.CATALOG_USES_FLAG, self.uses_flag),
        ]


def split_documents(text: str) -> Iterator[tuple[int, str]]:
    """YAML documents of a file with the line each starts on (separators ``---``)."""
    start = 1
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if _DOC_SEPARATOR.match(line.rstrip("\r\n")):
            if "".join(lines).strip():
                yield start, "".join(lines)
            start = number + 1
            lines = []
            continue
        lines.append(line)
    if "".join(lines).strip():
        yield start, "".join(lines)


def _ref(value: str, fld: str, default_kind: str | None = None) -> EntityRef:
    try:
        return parse_ref(value, default_kind)
    except ValueError as exc:
        raise RecordError(str(exc), field=fld) from None


def parse_entity(doc: object, scope: str, prov: dict[str, Any], rows: CatalogRows) -> None:
    """Add one catalog entity's rows to ``rows`` (raises RecordError naming the field)."""
    entity = validate(Entity, doc)
    meta = entity.metadata
    name = meta.name
    kind = entity.kind
    if kind in _SKIPPED_KINDS:
        return
    if kind in ("Component", "Resource"):
        spec: ComponentSpec | ResourceSpec
        if kind == "Component":
            spec = validate(ComponentSpec, entity.spec, "spec")
            lifecycle: str | None = spec.lifecycle
        else:
            spec = validate(ResourceSpec, entity.spec, "spec")
            lifecycle = None
        cuid = uid(scope, "Component", name)
        owner = _ref(spec.owner, "spec.owner", "group")
        system = _ref(spec.system, "spec.system", "system") if spec.system else None
        depends = [
            _ref(d, f"spec.dependsOn.{i}", "component") for i, d in enumerate(spec.dependsOn)
        ]
        provides: list[EntityRef] = []
        consumes: list[EntityRef] = []
        if isinstance(spec, ComponentSpec):
            provides = [
                _ref(a, f"spec.providesApis.{i}", "api") for i, a in enumerate(spec.providesApis)
            ]
            consumes = [
                _ref(a, f"spec.consumesApis.{i}", "api") for i, a in enumerate(spec.consumesApis)
            ]
        flags = [
            f.strip() for f in meta.annotations.get(FLAGS_ANNOTATION, "").split(",") if f.strip()
        ]
        row = {
            "uid": cuid,
            "name": name,
            "kind": component_kind(kind, spec.type),
            "system": system.name if system else None,
            "owner": spec.owner,
            "lifecycle": lifecycle,
            "annotations": compact(meta.annotations),
            "tier": meta.labels.get("tier"),
            **prov,
        }
        (rows.services if kind == "Component" else rows.resources).append(row)
        for d in depends:
            rows.depends_on.append(
                {
                    "src_uid": cuid,
                    "dst_uid": uid(scope, "Component", d.name),
                    "dst_name": d.name,
                    **prov,
                }
            )
        if owner.kind in (None, "group"):
            rows.owns.append(
                {"src_uid": cuid, "team_uid": uid(scope, "Team", owner.name), "team": owner.name}
                | prov
            )
        if system is not None:
            rows.part_of.append(
                {
                    "src_uid": cuid,
                    "system_uid": uid(scope, "System", system.name),
                    "system": system.name,
                    **prov,
                }
            )
        for api_ref, target in ((provides, rows.provides), (consumes, rows.consumes)):
            for a in api_ref:
                target.append(
                    {"src_uid": cuid, "api_uid": uid(scope, "API", a.name), "api": a.name} | prov
                )
        for key in flags:
            rows.uses_flag.append(
                {"src_uid": cuid, "flag_uid": uid(scope, "Flag", key), "flag_key": key} | prov
            )
    elif kind == "API":
        api = validate(ApiSpec, entity.spec, "spec")
        rows.apis.append({"uid": uid(scope, "API", name), "name": name, "type": api.type} | prov)
    elif kind == "Group":
        group = validate(GroupSpec, entity.spec, "spec")
        rows.teams.append(
            {
                "uid": uid(scope, "Team", name),
                "name": name,
                "display_name": group.profile.displayName,
                "email": group.profile.email,
            }
            | prov
        )
    elif kind == "System":
        validate(SystemSpec, entity.spec, "spec")
        rows.systems.append({"uid": uid(scope, "System", name), "name": name} | prov)
    else:
        raise RecordError(f"unknown catalog entity kind {kind!r}", field="kind")
    rows.entities += 1


def parse_catalog(
    text: str, file: str, scope: str, ctx_prov: Any
) -> tuple[CatalogRows, list[Rejection], int]:
    """Parse a catalog file: its rows, its rejections, and how many documents it read.

    ``ctx_prov(source, source_ref)`` gives the provenance mapping of one document.
    """
    rows = CatalogRows()
    rejections: list[Rejection] = []
    read = 0
    for start, body in split_documents(text):
        read += 1
        where = Where(file, line=start)
        try:
            doc = yaml.safe_load(body)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = start + mark.line if mark is not None else start
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            rejections.append(
                Where(file, line=line).reject("catalog", f"not valid YAML: {problem}", raw=body)
            )
            continue
        except RecursionError:
            rejections.append(where.reject("catalog", "not valid YAML: nested too deeply"))
            continue
        if doc is None:
            read -= 1
            continue
        try:
            parse_entity(doc, scope, ctx_prov(file, f"line {start}"), rows)
        except RecordError as exc:
            rejections.append(where.reject("catalog", exc.reason, exc.field, raw=body))
    return rows, rejections, read


class CatalogLoader:
    """Backstage catalog entities."""

    kind = "catalog"
    patterns: tuple[str, ...] = ("topology/*.yaml", "topology/*.yml")

    def load(self, path: Path, ctx: LoadContext) -> None:
        file = ctx.rel(path)
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError as exc:
            ctx.reject(Where(file, line=1).reject(self.kind, f"not UTF-8: {exc.reason}"))
            return
        rows, rejections, read = parse_catalog(text, file, ctx.scope, ctx.provenance)
        ctx.report.counts(self.kind).read += read
        for r in rejections:
            ctx.reject(r)
        for query, batch in rows.node_batches():
            if batch:
                stats = ctx.graph.write_batches(
                    query, batch, batch_size=ctx.batch_size, extra=ctx.params()
                )
                ctx.record_write(self.kind, stats)
        for query, batch in rows.rel_batches():
            if batch:
                ctx.graph.write_batches(query, batch, batch_size=ctx.batch_size, extra=ctx.params())
        if rows.consumes or rows.provides:
            ctx.graph.write(q.CATALOG_API_DEPENDENCIES, **ctx.params())


# -- edges.csv -------------------------------------------------------------------------------


def _edge_row(record: dict[str | None, Any], scope: str, prov: dict[str, Any]) -> dict[str, Any]:
    if None in record:
        raise RecordError("more columns than the header names", field=None)
    caller = (record.get("caller") or "").strip()
    callee = (record.get("callee") or "").strip()
    if not caller:
        raise RecordError("required field is missing or empty", field="caller")
    if not callee:
        raise RecordError("required field is missing or empty", field="callee")
    calls_text = (record.get("calls") or "").strip()
    calls: float | None = None
    if calls_text:
        try:
            calls = float(calls_text)
        except ValueError:
            raise RecordError(f"not a number: {calls_text!r}", field="calls") from None
        if calls != calls or calls in (float("inf"), float("-inf")):
            raise RecordError(f"not a finite number: {calls_text!r}", field="calls")
    protocol = (record.get("protocol") or "").strip() or None
    return {
        "caller": caller,
        "callee": callee,
        "caller_uid": uid(scope, "Component", caller),
        "callee_uid": uid(scope, "Component", callee),
        "protocol": protocol,
        "calls": calls,
        **prov,
    }


def parse_edges(
    lines: Iterator[str], file: str, scope: str, ctx_prov: Any
) -> Iterator[dict[str, Any] | Rejection]:
    """Rows (or rejections) of an edges.csv, streaming."""
    reader = csv.DictReader(lines)
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        yield Where(file, line=1).reject("edge", f"not valid CSV: {exc}", field=None)
        return
    if header is None:
        return
    missing = [c for c in ("caller", "callee") if c not in [h.strip() for h in header]]
    if missing:
        yield Where(file, line=1).reject(
            "edge", "the header must name the columns caller and callee", field=missing[0]
        )
        return
    reader.fieldnames = [h.strip() for h in header]
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Where(file, line=reader.line_num).reject("edge", f"not valid CSV: {exc}")
            continue
        where = Where(file, line=reader.line_num)
        try:
            yield _edge_row(record, scope, ctx_prov(file, where.ref))
        except RecordError as exc:
            raw = ",".join(str(v) for v in record.values() if v is not None)
            yield where.reject("edge", exc.reason, exc.field, raw=raw)


class EdgesLoader:
    """``topology/edges.csv``: a plain call graph."""

    kind = "edge"
    patterns: tuple[str, ...] = ("topology/edges.csv",)

    def load(self, path: Path, ctx: LoadContext) -> None:
        file = ctx.rel(path)
        counts = ctx.report.counts(self.kind)
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            rows: list[dict[str, Any]] = []
            for item in parse_edges(iter(fh), file, ctx.scope, ctx.provenance):
                counts.read += 1
                if isinstance(item, Rejection):
                    ctx.reject(item)
                    continue
                rows.append(item)
                if len(rows) >= ctx.batch_size:
                    self._write(rows, ctx)
                    rows = []
            if rows:
                self._write(rows, ctx)

    def _write(self, rows: list[dict[str, Any]], ctx: LoadContext) -> None:
        stats = ctx.graph.write_batches(
            q.EDGE_CALLS, rows, batch_size=ctx.batch_size, extra=ctx.params()
        )
        counts = ctx.report.counts(self.kind)
        counts.loaded += stats.relationships_created
        counts.merged += stats.rows - stats.relationships_created
