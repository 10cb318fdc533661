"""Ingest benchmark: records per second per kind, end to end, against a bare UNWIND … MERGE.

For each kind and size it generates a synthetic input file in the bundle formats
(:mod:`bench.ingest_inputs`, in a temp directory outside the repo), then, in the same run and
with the same driver:

* **loader**: the registered loader end to end (parse, mine/detect, Parquet, graph write,
  commit) — records/s, the loader's own graph-write rows/s, and peak RSS growth;
* **bare**: the same number of rows (one per input record, similar properties) written by a
  bare ``UNWIND $rows AS row MERGE (n:Anomaly {uid: row.uid}) SET n += row.props`` in batches of
  the same size — rows/s;
* for logs also **parse+mine alone**: JSON parsing, OTLP decoding and drain3 template mining
  (no Parquet, no graph) — lines/s.

The graph is reached through RCAGRAPH_NEO4J_URI/USER/PASSWORD or the managed server
(``rcagraph db start``). Each run writes into its own scope, deleted afterwards.

    .venv/bin/python -m bench.ingest --sizes 100000,1000000 --kinds logs,metrics,traces \
        [--write-docs]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.ingest_inputs import GENERATORS, T0, iso
from rcagraph.connection import open_driver
from rcagraph.graph import Graph, Query, WriteStats
from rcagraph.loaders.base import LoadOptions, LoadReport, Rejection
from rcagraph.loaders.bundle import discover, load_context, load_file
from rcagraph.loaders.logs import LogRecord, LogTallies, Miner, parse_log_value
from rcagraph.loaders.records import iter_jsonl
from rcagraph.loaders.registry import default_loaders
from rcagraph.schema.migrations import apply_migrations
from rcagraph.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"

_BARE = Query(
    "bench.bare_merge",
    "UNWIND $rows AS row MERGE (n:Anomaly {uid: row.uid}) "
    "ON CREATE SET n.ingested_at = $ingested_at SET n.scope = $scope, n += row.props",
)
_DELETE = Query(
    "bench.delete_scope",
    "MATCH (n) WHERE n.scope = $scope CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
)


# -- measurement ----------------------------------------------------------------------------


def peak_rss_reset() -> None:
    """Reset the kernel's peak-RSS mark of this process (Linux: clear_refs 5)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class TimedGraph(Graph):
    """A Graph that adds up the time and rows of its batched writes."""

    def __init__(self, graph: Graph) -> None:
        super().__init__(graph.driver, graph.database)
        self.write_s = 0.0
        self.write_rows = 0

    def write_batches(
        self,
        query: Query,
        rows: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = 5000,
        extra: Mapping[str, Any] | None = None,
    ) -> WriteStats:
        t0 = time.perf_counter()
        stats = super().write_batches(query, rows, batch_size=batch_size, extra=extra)
        self.write_s += time.perf_counter() - t0
        self.write_rows += stats.rows
        return stats


@dataclass
class Result:
    kind: str
    n: int
    loader_s: float
    write_rows: int
    write_s: float
    bare_s: float
    peak_rss_mb: float
    mine_lines_s: float | None = None
    mine_lines_cpu_s: float | None = None
    rejected: int = 0


def run_loader(graph: Graph, kind: str, bundle: Path, data: Path, batch: int) -> Result:
    """The loaders as a bundle load runs them (:func:`rcagraph.loaders.bundle.discover`,
    ``load_context``, ``load_file``), on a graph that times its writes."""
    plan, unknown = discover(bundle, default_loaders())
    # incident.json only dates the inputs (the logs' baseline cutoff); it is not measured
    plan = [(loader, path) for loader, path in plan if path.name != "incident.json"]
    if not plan:
        raise SystemExit(f"no registered loader reads {bundle} ({', '.join(unknown)})")
    timed = TimedGraph(graph)
    scope = f"bench:{kind}"
    report = LoadReport(scope=scope, bundle=str(bundle), started_at=datetime.now(UTC))
    ctx = load_context(timed, LoadOptions(data_dir=data, batch_size=batch), scope, bundle, report)
    peak_rss_reset()
    before = rss_mb()
    t0 = time.perf_counter()
    for loader, path in plan:
        load_file(loader, path, ctx)
    elapsed = time.perf_counter() - t0
    peak = peak_rss_mb() - before
    graph.run_autocommit(_DELETE, scope=scope)
    return Result(
        kind=kind,
        n=0,
        loader_s=elapsed,
        write_rows=timed.write_rows,
        write_s=timed.write_s,
        bare_s=0.0,
        peak_rss_mb=peak,
        rejected=ctx.report.rejected,
    )


def run_bare(graph: Graph, n: int, batch: int) -> float:
    scope = "bench:bare"
    now = datetime.now(UTC)

    def rows() -> Iterable[dict[str, Any]]:
        for i in range(n):
            yield {
                "uid": f"{scope}|Anomaly|{i}",
                "props": {
                    "service": f"svc-{i % 50}",
                    "metric": "latency_p95_ms",
                    "at": now,
                    "value": float(i),
                    "source": "bench",
                    "source_ref": f"line {i}",
                    "loader_version": "bench",
                },
            }

    t0 = time.perf_counter()
    graph.write_batches(_BARE, rows(), batch_size=batch, extra={"scope": scope, "ingested_at": now})
    elapsed = time.perf_counter() - t0
    graph.run_autocommit(_DELETE, scope=scope)
    return elapsed


def mine_only(path: Path) -> tuple[int, float, float]:
    """(lines, wall s, CPU s) of JSON parsing + OTLP decoding + drain3 mining alone."""
    miner = Miner()
    tallies = LogTallies()
    n = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    for where, _raw, value in iter_jsonl(path, "bench", "logs"):
        if isinstance(value, Rejection):
            continue
        for rec in parse_log_value(value, where):
            if isinstance(rec, LogRecord):
                tallies.add(rec, miner.add(rec.service, rec.body), where.line or 0)
                n += 1
    return n, time.perf_counter() - t0, time.process_time() - c0


def table(results: list[Result], command: str, notes: str) -> str:
    out = [
        "## Ingest",
        "",
        f"Command: `{command}`",
        "",
        notes,
        "",
        "| kind | records | loader end to end (rec/s) | loader graph writes (rows, rows/s) "
        "| bare UNWIND…MERGE of n rows (rows/s) | end-to-end / bare | peak RSS growth (MB) "
        "| parse+mine alone (lines/s wall, per CPU-second) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        e2e = r.n / r.loader_s if r.loader_s else 0.0
        bare = r.n / r.bare_s if r.bare_s else 0.0
        wr = r.write_rows / r.write_s if r.write_s else 0.0
        mine = (
            f"{r.mine_lines_s:,.0f} ({r.mine_lines_cpu_s or 0:,.0f} per CPU-s)"
            if r.mine_lines_s
            else "–"
        )
        out.append(
            f"| {r.kind} | {r.n:,} | {e2e:,.0f} | {r.write_rows:,} ({wr:,.0f}/s) | {bare:,.0f} "
            f"| {e2e / bare if bare else 0:.2f} | {r.peak_rss_mb:,.0f} | {mine} |"
        )
    return "\n".join(out) + "\n"


def write_docs(section: str) -> None:
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n\n"
    start = text.find("## Ingest")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1 :] if end != -1 else "")
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--kinds", default="logs,metrics,traces,topology,changes,alerts")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--notes", default="")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    kinds = [k for k in args.kinds.split(",") if k]
    settings = Settings()
    driver = open_driver(settings)
    graph = Graph(driver, settings.neo4j_database)
    apply_migrations(graph)
    results: list[Result] = []
    try:
        for kind in kinds:
            for n in sizes:
                tmp = Path(tempfile.mkdtemp(prefix=f"rcagraph-bench-{kind}-"))
                try:
                    bundle = tmp / "bundle"
                    bundle.mkdir()
                    (bundle / "incident.json").write_text(
                        json.dumps({"id": "BENCH", "started_at": iso(T0 + 11 * 3600)})
                    )
                    GENERATORS[kind](bundle, n)
                    result = run_loader(graph, kind, bundle, tmp / "data", args.batch_size)
                    result.n = n
                    result.bare_s = run_bare(graph, n, args.batch_size)
                    if kind == "logs":
                        lines, secs, cpu = mine_only(bundle / "logs" / "bench.jsonl")
                        result.mine_lines_s = lines / secs
                        result.mine_lines_cpu_s = lines / cpu
                    results.append(result)
                    print(
                        f"{kind} n={n}: loader {result.loader_s:.1f}s, bare {result.bare_s:.1f}s",
                        file=sys.stderr,
                    )
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
    finally:
        driver.close()
    command = "python -m bench.ingest " + " ".join(argv if argv is not None else sys.argv[1:])
    section = table(results, command, args.notes)
    print(section)
    if args.write_docs:
        write_docs(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
