"""Load an incident bundle (``../shared/spec/incident-bundle.md``) into one scope of the graph.

:func:`load_bundle` reads ``incident.json`` first (the one required file: a bundle without a
readable one is refused with :class:`~rcagraph.errors.BundleError`), then runs every loader of
:func:`rcagraph.loaders.registry.default_loaders`, in its order, on the files matching its
patterns (a file goes to the first loader that claims it). Files no loader claims are listed in
``report.unknown_files`` and ignored; ``truth.json`` (evaluation data, never read by a loader)
and ``README*``/``LICENSE*``/``NOTICE*`` are known and skipped silently.

Afterwards a ``:Load`` node records the run (its ``uid`` is stable per scope and bundle path,
so reloading updates the same node; ``report`` keeps the JSON report of the latest run) and is
linked from the incident by ``FROM_LOAD``; ``load-report.json`` and ``quarantine.jsonl`` (the
rejected records) are written to ``report_dir``, by default
``<data dir>/loads/<scope, sanitised>/``.

:func:`load_file` runs one loader on one file of the contract; bundles (every file of the
plan) and the HTTP receivers (:mod:`rcagraph.loaders.receivers`, one payload written as the
file its format names) both load through it, with the loader matching of :func:`discover`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from rcagraph.errors import BundleError
from rcagraph.graph import Graph, Tx
from rcagraph.ids import DEFAULT_SCOPE, uid
from rcagraph.loaders import queries as q
from rcagraph.loaders.base import (
    LOADER_VERSION,
    Acknowledgement,
    FileLoader,
    LoadContext,
    LoadOptions,
    LoadReport,
)
from rcagraph.loaders.incident import INCIDENT_FILE, incident_uid, read_incident
from rcagraph.loaders.registry import default_loaders
from rcagraph.schema.migrations import require_schema

#: files a bundle may hold that no loader reads, skipped without a report line
KNOWN_NON_DATA = re.compile(r"^(truth\.json|(README|LICENSE|NOTICE)(\.[A-Za-z0-9]+)?)$")


def sanitise_scope(scope: str) -> str:
    """A scope as a directory name (``bundle:INC-1`` → ``bundle_INC-1``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", scope).strip("._") or "scope"


def discover(
    bundle_dir: Path, loaders: list[FileLoader]
) -> tuple[list[tuple[FileLoader, Path]], list[str]]:
    """The (loader, file) pairs to run, in loader order, and the files no loader claims."""
    claimed: set[Path] = set()
    plan: list[tuple[FileLoader, Path]] = []
    for loader in loaders:
        for pattern in loader.patterns:
            for path in sorted(bundle_dir.glob(pattern)):
                if path.is_file() and path not in claimed:
                    claimed.add(path)
                    plan.append((loader, path))
    unknown = sorted(
        p.relative_to(bundle_dir).as_posix()
        for p in bundle_dir.rglob("*")
        if p.is_file()
        and p not in claimed
        and not (p.parent == bundle_dir and KNOWN_NON_DATA.match(p.name))
    )
    return plan, unknown


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    progress = Progress(
        TextColumn("[bold]load[/bold] {task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with progress:
        yield progress


def load_context(
    graph: Graph, options: LoadOptions, scope: str, root: Path, report: LoadReport
) -> LoadContext:
    """The context the loaders write ``report``'s files under ``root`` into ``scope`` with."""
    return LoadContext(
        graph=graph,
        scope=scope,
        bundle_dir=root,
        data_dir=options.data_dir,
        ingested_at=report.started_at,
        report=report,
        batch_size=options.batch_size,
        redactor=options.redactor,
    )


def load_file(loader: FileLoader, path: Path, ctx: LoadContext) -> None:
    """Run ``loader`` on ``path``; its time is added to ``timings_ms[loader.kind]``."""
    t0 = time.perf_counter()
    loader.load(path, ctx)
    elapsed = (time.perf_counter() - t0) * 1000.0
    ctx.report.timings_ms[loader.kind] = ctx.report.timings_ms.get(loader.kind, 0.0) + elapsed


def load_bundle(
    graph: Graph,
    bundle_dir: Path | str,
    options: LoadOptions,
    scope: str | None = None,
    report_dir: Path | None = None,
    progress: bool | None = None,
    *,
    loaders: list[FileLoader] | None = None,
    ack: Acknowledgement | None = None,
    delivery: str | None = None,
) -> LoadReport:
    """Load the bundle at ``bundle_dir`` into ``scope`` (default ``"default"``).

    ``progress``: show a progress bar on stderr (``None``: when stderr is a terminal).
    ``ack``: written before the first write and with the last (the ``:Load`` record), keyed on
    ``delivery`` (default: the bundle's path). Returns the load report; rejected records do
    not raise (the caller decides).
    """
    bundle = Path(bundle_dir)
    if not bundle.is_dir():
        raise BundleError(f"not a bundle directory: {bundle}", file=str(bundle))
    bundle = bundle.resolve()
    incident = read_incident(bundle)
    scope = scope or DEFAULT_SCOPE
    require_schema(graph)

    started = datetime.now(UTC)
    report = LoadReport(scope=scope, bundle=str(bundle), started_at=started)
    ctx = load_context(graph, options, scope, bundle, report)
    delivery = delivery or str(bundle)
    plan, unknown = discover(bundle, loaders if loaders is not None else default_loaders())
    report.unknown_files = unknown
    if not any(path.name == INCIDENT_FILE and path.parent == bundle for _, path in plan):
        raise BundleError("no loader reads incident.json (registry misconfigured)")

    if ack is not None:
        ack.begin(graph, delivery)
    sizes = {path: path.stat().st_size for _, path in plan}
    show = progress if progress is not None else Console(stderr=True).is_terminal
    with _progress(bool(show), sum(sizes.values())) as bar:
        task = bar.add_task("", total=sum(sizes.values())) if bar is not None else None
        for loader, path in plan:
            if bar is not None and task is not None:
                bar.update(task, description=ctx.rel(path))
            load_file(loader, path, ctx)
            if bar is not None and task is not None:
                bar.advance(task, sizes[path])

    report.finished_at = datetime.now(UTC)
    report.timings_ms["total"] = (report.finished_at - started).total_seconds() * 1000.0
    target = report_dir or (options.data_dir / "loads" / sanitise_scope(scope))
    report.write(target)
    record = {
        "uid": uid(scope, "Load", str(bundle)),
        "scope": scope,
        "ingested_at": started,
        "started_at": started,
        "finished_at": report.finished_at,
        "bundle": str(bundle),
        "report": json.dumps(report.to_dict()),
        "loader_version": LOADER_VERSION,
        "incident_uid": incident_uid(scope, incident.id),
    }

    def last_write(tx: Tx) -> None:
        tx.run(q.LOAD_RECORD, **record)
        if ack is not None:
            ack.commit(tx, delivery, report)

    graph.transaction(last_write, q.LOAD_RECORD.name)
    return report


def delete_scope(graph: Graph, scope: str) -> None:
    """Remove every node of ``scope`` (and its relationships)."""
    graph.run_autocommit(q.DELETE_SCOPE, scope=scope)
