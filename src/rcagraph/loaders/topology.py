"""Topology: Backstage catalog entities (``topology/*.yaml``) and ``topology/edges.csv``.

Catalog (``apiVersion: backstage.io/v1alpha1``, one or many documents a file):

* ``Component`` → ``:Component:Service``; ``Resource`` → ``:Component:Resource``
  (``kind`` from ``spec.type``: database, cache, queue, storage, … or ``service``);
* ``API`` → ``:API``, ``Group`` → ``:Team``, ``System`` → ``:System``;
* ``spec.dependsOn`` entity refs → ``DEPENDS_ON {via: 'dependsOn'}``;
  ``spec.providesApis`` / ``spec.consumesApis`` → ``PROVIDES_API`` / ``CONSUMES_API``, and the
  consumer joined to every provider of the same API → ``DEPENDS_ON {via: 'api:<name>'}``;
* ``spec.subcomponentOf`` → ``(parent)-[:DEPENDS_ON {via: 'subcomponentOf'}]->(sub)``: a
  component is made of its subcomponents and breaks when one does;
* ``spec.owner`` (a group, or a user: ``user:NAME``) → ``(:Team)-[:OWNS]->``; a user owner is
  a ``:Team`` with ``kind: 'user'`` (``User`` entities give its display name and e-mail);
  ``spec.system`` → ``PART_OF``;
* ``metadata.annotations`` kept as JSON; ``rcagraph.io/feature-flags`` (comma-separated flag
  keys) → ``USES_FLAG`` to ``:Flag``. Kinds outside the model (Domain, Location, Template) are
  read and counted as skipped.

Names and namespaces: an entity of the ``default`` namespace is keyed by its name
(``metadata.name``), so that the names telemetry uses (``service.name``) meet the catalog's;
an entity of another namespace by ``NAMESPACE/NAME`` (its ``name`` in the graph too), so two
components named alike in two namespaces are two nodes. Entity refs in relations resolve as
Backstage resolves them: ``[kind:][namespace/]name``, the namespace defaulting to that of the
entity that holds the ref. Every document is parsed on its own: a broken document is rejected
(file, line of the document, field) and the file's others still load.

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
from rcagraph.loaders.records import (
    LINE_TOO_LONG,
    OVERLONG_LINE,
    WHOLE_RECORD,
    Record,
    RecordError,
    RecordSkipped,
    Where,
    bounded_key,
    compact,
    csv_lines,
    oversized_document,
    validate,
)

FLAGS_ANNOTATION = "rcagraph.io/feature-flags"
#: "false" for a component seen only through its callers' measurements (an uninstrumented
#: peer: a load balancer, a gateway, an external endpoint, a managed resource reached through an
#: SDK); "true" for one that emits its own telemetry; absent: unknown
INSTRUMENTED_ANNOTATION = "rcagraph.io/instrumented"
_DOC_SEPARATOR = re.compile(r"^---(\s.*)?$")
_SKIPPED_KINDS = frozenset({"Domain", "Location", "Template"})
DEFAULT_NAMESPACE = "default"

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
    subcomponentOf: str | None = None  # noqa: N815


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


class UserSpec(Record):
    profile: GroupProfile = Field(default_factory=GroupProfile)


def graph_name(namespace: str, name: str) -> str:
    """An entity's name in the graph: ``name`` in the default namespace, else
    ``namespace/name`` (so existing ids of default-namespace entities never change)."""
    return name if namespace == DEFAULT_NAMESPACE else f"{namespace}/{name}"


@dataclass(frozen=True, slots=True)
class EntityRef:
    kind: str | None
    namespace: str
    name: str

    @property
    def key(self) -> str:
        """The entity's name in the graph (see :func:`graph_name`)."""
        return graph_name(self.namespace, self.name)


def parse_ref(
    ref: str, default_kind: str | None = None, default_namespace: str = DEFAULT_NAMESPACE
) -> EntityRef:
    """A Backstage entity reference ``[kind:][namespace/]name``."""
    text = ref.strip()
    if not text:
        raise ValueError("empty entity reference")
    kind: str | None = default_kind
    if ":" in text:
        kind_part, text = text.split(":", 1)
        kind = kind_part.strip().lower() or default_kind
    namespace = default_namespace
    if "/" in text:
        namespace, text = text.split("/", 1)
    name = text.strip()
    if not name or "/" in name or ":" in name:
        raise ValueError(f"not an entity reference: {ref!r}")
    return EntityRef(kind, namespace.strip() or default_namespace, name)


def team_key(ref: EntityRef) -> str:
    """The ``:Team`` key of an owner: a group by its name, a user as ``user:<name>``."""
    return f"user:{ref.key}" if ref.kind == "user" else ref.key


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
    subcomponents: list[dict[str, Any]] = field(default_factory=list)
    owns: list[dict[str, Any]] = field(default_factory=list)
    part_of: list[dict[str, Any]] = field(default_factory=list)
    provides: list[dict[str, Any]] = field(default_factory=list)
    consumes: list[dict[str, Any]] = field(default_factory=list)
    uses_flag: list[dict[str, Any]] = field(default_factory=list)
    entities: int = 0
    skipped: list[str] = field(default_factory=list)

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
            (q.CATALOG_SUBCOMPONENT_OF, self.subcomponents),
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


def _ref(
    value: str, fld: str, default_kind: str | None = None, namespace: str = DEFAULT_NAMESPACE
) -> EntityRef:
    try:
        ref = parse_ref(value, default_kind, namespace)
    except ValueError as exc:
        raise RecordError(str(exc), field=fld) from None
    bounded_key(ref.key, fld)
    return ref


def _instrumented(annotations: dict[str, str]) -> bool | None:
    value = annotations.get(INSTRUMENTED_ANNOTATION)
    if value is None:
        return None
    text = value.strip().lower()
    if text not in ("true", "false"):
        raise RecordError(
            f"must be 'true' or 'false', not {value!r}",
            field=f"metadata.annotations.{INSTRUMENTED_ANNOTATION}",
        )
    return text == "true"


def parse_entity(doc: object, scope: str, prov: dict[str, Any], rows: CatalogRows) -> None:
    """Add one catalog entity's rows to ``rows`` (raises RecordError naming the field, or
    RecordSkipped for a kind outside the model)."""
    entity = validate(Entity, doc)
    meta = entity.metadata
    ns = meta.namespace.strip() or DEFAULT_NAMESPACE
    name = bounded_key(graph_name(ns, meta.name), "metadata.name")
    kind = entity.kind
    if kind in _SKIPPED_KINDS:
        raise RecordSkipped(f"Backstage {kind} entities are not used")

    def ref(value: str, fld: str, default_kind: str) -> EntityRef:
        return _ref(value, fld, default_kind, ns)

    if kind in ("Component", "Resource"):
        spec: ComponentSpec | ResourceSpec
        if kind == "Component":
            spec = validate(ComponentSpec, entity.spec, "spec")
            lifecycle: str | None = spec.lifecycle
        else:
            spec = validate(ResourceSpec, entity.spec, "spec")
            lifecycle = None
        cuid = uid(scope, "Component", name)
        owner = ref(spec.owner, "spec.owner", "group")
        system = ref(spec.system, "spec.system", "system") if spec.system else None
        depends = [ref(d, f"spec.dependsOn.{i}", "component") for i, d in enumerate(spec.dependsOn)]
        provides: list[EntityRef] = []
        consumes: list[EntityRef] = []
        parent: EntityRef | None = None
        if isinstance(spec, ComponentSpec):
            provides = [
                ref(a, f"spec.providesApis.{i}", "api") for i, a in enumerate(spec.providesApis)
            ]
            consumes = [
                ref(a, f"spec.consumesApis.{i}", "api") for i, a in enumerate(spec.consumesApis)
            ]
            if spec.subcomponentOf:
                parent = ref(spec.subcomponentOf, "spec.subcomponentOf", "component")
        flags = [
            bounded_key(f.strip(), f"metadata.annotations.{FLAGS_ANNOTATION}")
            for f in meta.annotations.get(FLAGS_ANNOTATION, "").split(",")
            if f.strip()
        ]
        row = {
            "uid": cuid,
            "name": name,
            "instrumented": _instrumented(meta.annotations),
            "kind": component_kind(kind, spec.type),
            "system": system.key if system else None,
            "owner": spec.owner,
            "lifecycle": lifecycle,
            "annotations": compact(meta.annotations),
            "tier": meta.labels.get("tier"),
            **prov,
        }
        (rows.services if kind == "Component" else rows.resources).append(row)
        for d in depends:
            rows.depends_on.append(
                {"src_uid": cuid, "dst_uid": uid(scope, "Component", d.key), "dst_name": d.key}
                | prov
            )
        if parent is not None:
            rows.subcomponents.append(
                {"src_uid": cuid, "dst_uid": uid(scope, "Component", parent.key)}
                | {"dst_name": parent.key}
                | prov
            )
        if owner.kind in (None, "group", "user"):
            rows.owns.append(
                {
                    "src_uid": cuid,
                    "team_uid": uid(scope, "Team", team_key(owner)),
                    "team": owner.key,
                    "team_kind": "user" if owner.kind == "user" else "group",
                }
                | prov
            )
        if system is not None:
            rows.part_of.append(
                {
                    "src_uid": cuid,
                    "system_uid": uid(scope, "System", system.key),
                    "system": system.key,
                    **prov,
                }
            )
        for api_ref, target in ((provides, rows.provides), (consumes, rows.consumes)):
            for a in api_ref:
                target.append(
                    {"src_uid": cuid, "api_uid": uid(scope, "API", a.key), "api": a.key} | prov
                )
        for key in flags:
            rows.uses_flag.append(
                {"src_uid": cuid, "flag_uid": uid(scope, "Flag", key), "flag_key": key} | prov
            )
    elif kind == "API":
        api = validate(ApiSpec, entity.spec, "spec")
        rows.apis.append({"uid": uid(scope, "API", name), "name": name, "type": api.type} | prov)
    elif kind in ("Group", "User"):
        profile = (
            validate(GroupSpec, entity.spec, "spec").profile
            if kind == "Group"
            else validate(UserSpec, entity.spec, "spec").profile
        )
        key = f"user:{name}" if kind == "User" else name
        rows.teams.append(
            {
                "uid": uid(scope, "Team", key),
                "name": name,
                "kind": kind.lower(),
                "display_name": profile.displayName,
                "email": profile.email,
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
    """Parse a catalog file: its rows, its rejections, and how many documents it read (the
    reasons of skipped documents are in ``rows.skipped``).

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
        except RecordSkipped as exc:
            rows.skipped.append(exc.reason)
        except RecordError as exc:
            rejections.append(where.reject("catalog", exc.reason, exc.field, raw=body))
    return rows, rejections, read


class CatalogLoader:
    """Backstage catalog entities."""

    kind = "catalog"
    patterns: tuple[str, ...] = ("topology/*.yaml", "topology/*.yml")

    def load(self, path: Path, ctx: LoadContext) -> None:
        file = ctx.rel(path)
        too_large = oversized_document(path)
        if too_large:
            ctx.reject(Where(file, pointer="").reject(self.kind, too_large, field="$"))
            return
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError as exc:
            ctx.reject(Where(file, line=1).reject(self.kind, f"not UTF-8: {exc.reason}"))
            return
        rows, rejections, read = parse_catalog(text, file, ctx.scope, ctx.provenance)
        ctx.report.counts(self.kind).read += read
        for r in rejections:
            ctx.reject(r)
        for reason in rows.skipped:
            ctx.skip(self.kind, reason)
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
    bounded_key(caller, "caller")
    bounded_key(callee, "callee")
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
        if OVERLONG_LINE in record.values():
            yield where.reject("edge", LINE_TOO_LONG, WHOLE_RECORD)
            continue
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
        with path.open("rb") as fh:
            rows: list[dict[str, Any]] = []
            for item in parse_edges(csv_lines(fh), file, ctx.scope, ctx.provenance):
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
