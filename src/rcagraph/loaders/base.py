"""What every loader shares: the load context, provenance, rejections and the load report.

A loader reads one kind of file of an incident bundle (or one receiver's payload), turns each
record into rows for named ``UNWIND`` queries, and writes them in batches through
:class:`rcagraph.graph.Graph`. A record that cannot be read becomes a :class:`Rejection`
(file, line or JSON pointer, field, reason, the raw text); the file's other records still load.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from rcagraph.__version__ import __version__
from rcagraph.errors import InputError
from rcagraph.graph import Graph, Tx, WriteStats
from rcagraph.loaders.redact import DEFAULT_REDACTOR, Redactor

LOADER_VERSION = f"rcagraph/{__version__}"
#: the prefix of the notes that count masks (``masked:email``, ``masked:ip``, …)
MASKED_NOTE = "masked:"


@dataclass(slots=True)
class Rejection:
    """A record that could not be loaded, and exactly where it is."""

    kind: str
    file: str
    reason: str
    line: int | None = None
    pointer: str | None = None
    field: str | None = None
    raw: str = ""

    def message(self) -> str:
        return InputError(
            self.reason, file=self.file, line=self.line, pointer=self.pointer, field=self.field
        ).describe()


@dataclass(slots=True)
class KindCounts:
    """Per kind of record: read, loaded (new in the graph), merged (already there), rejected,
    skipped: valid records rcagraph does not use (e.g. a LaunchDarkly ``environment``
    webhook), acknowledged and not rejected, counted by reason in ``skip_reasons``; and
    ``notes``: named counts of things the load did that a reader should know (spans whose
    parent never came, records of a resource without ``service.name``, …)."""

    read: int = 0
    loaded: int = 0
    merged: int = 0
    rejected: int = 0
    skipped: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + 1

    def note(self, name: str, n: int = 1) -> None:
        """Add ``n`` to the named count ``name`` (kept only when it is not zero)."""
        if n:
            self.notes[name] = self.notes.get(name, 0) + n


@dataclass(slots=True)
class LoadReport:
    scope: str
    bundle: str
    started_at: datetime
    finished_at: datetime | None = None
    kinds: dict[str, KindCounts] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    unknown_files: list[str] = field(default_factory=list)
    quarantine_path: str | None = None
    report_path: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    def counts(self, kind: str) -> KindCounts:
        return self.kinds.setdefault(kind, KindCounts())

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "bundle": self.bundle,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "kinds": {k: asdict(v) for k, v in sorted(self.kinds.items())},
            "rejected": self.rejected,
            "rejections": [asdict(r) | {"message": r.message()} for r in self.rejections],
            "unknown_files": self.unknown_files,
            "quarantine_path": self.quarantine_path,
            "timings_ms": self.timings_ms,
        }

    def write(self, directory: Path) -> None:
        """Write ``load-report.json`` and ``quarantine.jsonl`` (the rejected records)."""
        directory.mkdir(parents=True, exist_ok=True)
        quarantine = directory / "quarantine.jsonl"
        with quarantine.open("w") as out:
            for r in self.rejections:
                out.write(json.dumps(asdict(r) | {"message": r.message()}) + "\n")
        self.quarantine_path = str(quarantine)
        report = directory / "load-report.json"
        self.report_path = str(report)
        report.write_text(json.dumps(self.to_dict(), indent=2))


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """How a load writes: where raw series and log lines (Parquet) and load reports go, how
    many rows a write batch holds, and what free text is masked before it is stored
    (:class:`rcagraph.settings.Settings` gives all three)."""

    data_dir: Path
    batch_size: int = 5000
    redactor: Redactor = DEFAULT_REDACTOR


_STEP = re.compile(r"/([^/]*)")


def dotted(pointer: str) -> str:
    """A JSON pointer as a path in what was sent: ``/a/1/b/0`` → ``a[1].b[0]``."""
    out = ""
    for step in _STEP.findall(pointer):
        step = step.replace("~1", "/").replace("~0", "~")
        out += f"[{step}]" if step.isdigit() else (f".{step}" if out else step)
    return out


class Located(Protocol):
    """A record's place in its file (:class:`rcagraph.loaders.records.Where`)."""

    @property
    def line(self) -> int | None: ...

    @property
    def pointer(self) -> str | None: ...

    @property
    def ref(self) -> str: ...


@dataclass(slots=True)
class LoadContext:
    """Everything a loader needs to write one bundle's records."""

    graph: Graph
    scope: str
    bundle_dir: Path
    data_dir: Path
    ingested_at: datetime
    report: LoadReport
    batch_size: int = 5000
    #: the name of what was sent when the file is an HTTP delivery (``POST /v1/logs
    #: sha256:…``): provenance and messages say it instead of the internal file's name
    delivery: str | None = None
    #: the delivery was a JSON array written one element a line: a record's position in what
    #: was sent is its array index, not the internal file's line (:meth:`source_ref`)
    delivery_array: bool = False
    #: masks secrets and personal data in free text before it is stored (:meth:`mask`)
    redactor: Redactor = DEFAULT_REDACTOR

    def mask(self, kind: str, text: str) -> str:
        """``text`` redacted; the masks made are counted in ``kind``'s notes as
        ``masked:<detector>``."""
        if not text:
            return text
        made: dict[str, int] = {}
        out = self.redactor.redact(text, made)
        if made:
            counts = self.report.counts(kind)
            for name, n in made.items():
                counts.note(f"{MASKED_NOTE}{name}", n)
        return out

    def rel(self, path: Path) -> str:
        """A file's name relative to the bundle (or the delivery's name), as provenance and
        messages use it."""
        if self.delivery is not None:
            return self.delivery
        try:
            return path.relative_to(self.bundle_dir).as_posix()
        except ValueError:
            return path.as_posix()

    def source_ref(self, where: Located) -> str:
        """Where a record sits, as provenance says it: ``line N`` (and a pointer) in a file,
        the element's index in an array delivery (``[1]``, ``[1].context.id``)."""
        if self.delivery_array and where.line is not None:
            inner = dotted(where.pointer or "")
            return f"[{where.line - 1}]" + ("." + inner if inner else "")
        return where.ref

    def provenance(self, source: str, source_ref: str) -> dict[str, Any]:
        return {"source": source, "source_ref": source_ref, "loader_version": LOADER_VERSION}

    def reject(self, rejection: Rejection) -> None:
        """Keep a rejection for the report and the quarantine, its text redacted."""
        rejection.raw = self.mask(rejection.kind, rejection.raw)
        rejection.reason = self.mask(rejection.kind, rejection.reason)
        self.report.rejections.append(rejection)
        self.report.counts(rejection.kind).rejected += 1

    def skip(self, kind: str, reason: str) -> None:
        """Count a valid record that is not used (never a rejection: the load still exits 0
        and a receiver still answers 2xx)."""
        self.report.counts(kind).skip(reason)

    def record_write(self, kind: str, stats: WriteStats) -> None:
        """Count a batch of primary nodes of ``kind``: created → loaded, else merged."""
        counts = self.report.counts(kind)
        counts.loaded += stats.nodes_created
        counts.merged += max(stats.rows - stats.nodes_created, 0)

    def params(self) -> Mapping[str, Any]:
        """Parameters every write query gets besides ``$rows``."""
        return {"scope": self.scope, "ingested_at": self.ingested_at}


class FileLoader(Protocol):
    """A loader for one kind of bundle file (``patterns`` are globs relative to the bundle)."""

    kind: str
    patterns: tuple[str, ...]

    def load(self, path: Path, ctx: LoadContext) -> None: ...


class Acknowledgement(Protocol):
    """What the caller of a load writes with it: its audit entry (the API's receivers).

    ``delivery`` names what was sent (``POST /v1/logs sha256:…``, the archive's sha256 for a
    bundle upload): both writes are keyed on it, so a retry (the driver's or the sender's)
    never duplicates them. A receiver's payload is one transaction: the loader's writes and
    :meth:`commit`, all or nothing. A bundle is loaded in batches, so it is bracketed:
    :meth:`begin` commits before its first write (a crash part-way leaves data with an entry
    that says the upload began) and :meth:`commit` with its last (the ``:Load`` record).
    """

    def begin(self, graph: Graph, delivery: str) -> None: ...

    def commit(self, tx: Tx, delivery: str, report: LoadReport) -> None: ...
