"""Raw signal data kept beside the graph, in Parquet.

The graph holds what is worth reasoning about (templates, bursts, anomalies, call edges); the
raw log lines, metric samples and per-minute call statistics stay in Parquet files under
``<data_dir>/<scope>/<kind>/<source>.parquet``, where ``<scope>`` and ``<source>`` (the bundle
file's relative path) are sanitised to ``[A-Za-z0-9._-]``; a name that sanitising changed gets
``~`` and a hash of the original (``a:b`` → ``a_b~…``), so two names never share a file (``~``
is not in a sanitised name, so an unchanged name cannot meet a changed one either). Files are
written in streaming chunks (:class:`ParquetSink`, ``pyarrow.parquet.ParquetWriter``) to a
temporary name and renamed when complete, so a re-load replaces a file with identical content.

A **reference** (``raw_ref`` on log events, ``series_ref`` on anomalies and call edges) names a
file and a selection of its rows::

    <path relative to data_dir>#<selector>&<selector>…

where a selector is one of

* ``rows=A-B`` — rows A to B inclusive (0-based, in file order);
* ``ts=A-B`` — rows whose ``ts`` lies in [A, B] (epoch nanoseconds, UTC);
* ``COLUMN=VALUE`` — rows whose string or integer column equals the (URL-quoted) value.

For example ``bundle_INC-1~7a6e5089/logs/logs_app.jsonl~b24426ae.parquet#service=cart&ts=
1700000000000000000-1700000300000000000``. :func:`read_ref` resolves a reference back to a
``pyarrow.Table``.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, unquote

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
CHUNK_ROWS = 50_000


def sanitise(text: str) -> str:
    """A file-name-safe form of a scope or a relative path (``/`` and ``:`` become ``_``)."""
    cleaned = _UNSAFE.sub("_", text).strip("._")
    return cleaned or "_"


def safe_name(text: str) -> str:
    """:func:`sanitise`, collision-free: a changed name carries ``~`` and a hash of ``text``."""
    cleaned = sanitise(text)
    if cleaned == text:
        return cleaned
    return f"{cleaned}~{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def raw_path(data_dir: Path, scope: str, kind: str, source: str, suffix: str = "") -> Path:
    """Where the raw data of ``source`` (a bundle-relative file name) of ``kind`` is kept."""
    name = safe_name(source) + (f".{suffix}" if suffix else "") + ".parquet"
    return data_dir / safe_name(scope) / kind / name


def make_ref(data_dir: Path, path: Path, **selectors: str | int | tuple[int, int]) -> str:
    """A reference to rows of ``path``: ``rows=(a, b)``, ``ts=(a, b)`` or ``column=value``."""
    try:
        rel = path.relative_to(data_dir).as_posix()
    except ValueError:
        rel = path.as_posix()
    parts: list[str] = []
    for key, value in selectors.items():
        if isinstance(value, tuple):
            parts.append(f"{key}={int(value[0])}-{int(value[1])}")
        else:
            parts.append(f"{key}={quote(str(value), safe='')}")
    return rel + ("#" + "&".join(parts) if parts else "")


def read_ref(data_dir: Path, ref: str) -> pa.Table:
    """The rows a reference names."""
    rel, _, fragment = ref.partition("#")
    path = Path(rel) if Path(rel).is_absolute() else data_dir / rel
    table = pq.read_table(path)
    if not fragment:
        return table
    for part in fragment.split("&"):
        key, _, value = part.partition("=")
        if key in {"rows", "ts"}:
            low_text, _, high_text = value.partition("-")
            low, high = int(low_text), int(high_text)
            if key == "rows":
                table = table.slice(low, high - low + 1)
            else:
                ts = pc.cast(table["ts"], pa.int64())
                table = table.filter(pc.and_(pc.greater_equal(ts, low), pc.less_equal(ts, high)))
        else:
            column = table[key]
            decoded = unquote(value)
            target: Any = int(decoded) if pa.types.is_integer(column.type) else decoded
            table = table.filter(pc.equal(column, target))
    return table


class ParquetSink:
    """Append rows to a Parquet file in chunks of ``chunk_rows``; ``close()`` renames it in place.

    Memory is bounded by one chunk. Rows are tuples in the schema's column order; a ``ts``
    column of type ``timestamp('ns', 'UTC')`` takes epoch nanoseconds.
    """

    def __init__(self, path: Path, schema: pa.Schema, chunk_rows: int = CHUNK_ROWS) -> None:
        self.path = path
        self.schema = schema
        self.chunk_rows = chunk_rows
        self.rows = 0
        self._tmp = path.with_name(path.name + ".tmp")
        self._columns: list[list[Any]] = [[] for _ in schema.names]
        self._buffered = 0
        self._writer: pq.ParquetWriter | None = None

    def append(self, row: Sequence[Any]) -> int:
        """Buffer one row; return its row number in the file."""
        for column, value in zip(self._columns, row, strict=True):
            column.append(value)
        self._buffered += 1
        self.rows += 1
        if self._buffered >= self.chunk_rows:
            self.flush()
        return self.rows - 1

    def flush(self) -> None:
        if not self._buffered:
            return
        if self._writer is None:
            self._tmp.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self._tmp, self.schema, compression="zstd")
        arrays = [
            pa.array(values, type=field.type)
            for values, field in zip(self._columns, self.schema, strict=True)
        ]
        self._writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self.schema))
        self._columns = [[] for _ in self.schema.names]
        self._buffered = 0

    def close(self) -> Path:
        """Write what is buffered and move the file into place (an empty file if no rows)."""
        self.flush()
        if self._writer is None:
            self._tmp.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(self.schema.empty_table(), self._tmp, compression="zstd")
        else:
            self._writer.close()
            self._writer = None
        self._tmp.replace(self.path)
        return self.path

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_table(path: Path, columns: Mapping[str, Sequence[Any]], schema: pa.Schema) -> Path:
    """Write a small table in one go (through a temporary name)."""
    with ParquetSink(path, schema, chunk_rows=max(1, CHUNK_ROWS)) as sink:
        names = schema.names
        for row in zip(*(columns[name] for name in names), strict=True):
            sink.append(row)
    return path


TS = pa.timestamp("ns", tz="UTC")

LOG_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("ts", TS),
        ("service", pa.string()),
        ("severity", pa.string()),
        ("severity_number", pa.int32()),
        ("body", pa.string()),
        ("trace_id", pa.string()),
        ("span_id", pa.string()),
        ("cluster", pa.int32()),
    ]
)

LOG_TEMPLATE_SCHEMA = pa.schema(
    [
        ("service", pa.string()),
        ("cluster", pa.int32()),
        ("template_id", pa.string()),
        ("template", pa.string()),
        ("count", pa.int64()),
    ]
)

METRIC_SCHEMA = pa.schema(
    [
        ("series", pa.int32()),
        ("line", pa.int64()),
        ("ts", TS),
        ("service", pa.string()),
        ("metric", pa.string()),
        ("labels", pa.string()),
        ("value", pa.float64()),
    ]
)

EDGE_SERIES_SCHEMA = pa.schema(
    [
        ("caller", pa.string()),
        ("callee", pa.string()),
        ("ts", TS),
        ("calls", pa.int64()),
        ("errors", pa.int64()),
        ("error_ratio", pa.float64()),
        ("p50_ms", pa.float64()),
        ("p95_ms", pa.float64()),
    ]
)


@dataclass(frozen=True, slots=True)
class MetricSeries:
    """One series of a metrics Parquet file, cut to a time window: its identity, where it is
    kept (``ref``, a reference :func:`read_ref` resolves) and its points, oldest first."""

    service: str
    metric: str
    labels: str
    ref: str
    times: tuple[datetime, ...]
    values: tuple[float, ...]
    #: the source lines of the first and last point (CSV line; the document for JSON)
    lines: tuple[int, int]


def read_metric_series(
    data_dir: Path,
    scope: str,
    services: Collection[str],
    start: datetime,
    end: datetime,
    *,
    max_points: int = 1000,
) -> list[MetricSeries]:
    """Every stored metric series of ``services`` in ``scope`` (every metrics file the loaders
    and receivers wrote, ``<data_dir>/<scope>/metrics/*.parquet``) with its points in
    [``start``, ``end``], thinned to at most ``max_points`` by an even stride; sorted by
    service, metric, labels. A series (service, metric, labels) kept in several files (a file
    left by an older naming of the store, a receiver's and a bundle's copy) is read from the
    newest file only. A scope without stored series has none."""
    folder = data_dir / safe_name(scope) / "metrics"
    if not services or not folder.is_dir():
        return []
    wanted = sorted(set(services))
    out: dict[tuple[str, str, str], MetricSeries] = {}
    newest_first = sorted(folder.glob("*.parquet"), key=lambda p: (-p.stat().st_mtime, p.name))
    for path in newest_first:
        table = pq.read_table(
            path,
            columns=["series", "line", "ts", "service", "metric", "labels", "value"],
            filters=[("service", "in", wanted), ("ts", ">=", start), ("ts", "<=", end)],
        )
        if table.num_rows == 0:
            continue
        table = table.sort_by([("series", "ascending"), ("ts", "ascending")])
        columns = table.to_pydict()
        rows = list(
            zip(
                columns["series"],
                columns["line"],
                columns["ts"],
                columns["service"],
                columns["metric"],
                columns["labels"],
                columns["value"],
                strict=True,
            )
        )
        start_row = 0
        for i in range(1, len(rows) + 1):
            if i < len(rows) and rows[i][0] == rows[start_row][0]:
                continue
            chunk = rows[start_row:i]
            start_row = i
            stride = max(1, -(-len(chunk) // max_points))
            kept = [r for r in chunk[::stride] if r[6] is not None and math.isfinite(r[6])]
            if not kept:
                continue
            series, _, _, service, metric, labels, _ = chunk[0]
            key = (str(service), str(metric), str(labels or ""))
            if key in out:
                continue
            out[key] = MetricSeries(
                service=str(service),
                metric=str(metric),
                labels=str(labels or ""),
                ref=make_ref(data_dir, path, series=int(series)),
                times=tuple(r[2] for r in kept),
                values=tuple(float(r[6]) for r in kept),
                lines=(int(chunk[0][1] or 0), int(chunk[-1][1] or 0)),
            )
    return [out[key] for key in sorted(out)]
