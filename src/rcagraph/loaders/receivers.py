"""Ingest receivers: payloads of Alertmanager, CDEvents, LaunchDarkly, Unleash, OTLP/HTTP (logs,
traces, metrics) and Kubernetes events, and whole bundles as archives, loaded by the bundle
loaders.

A payload is written to a temporary directory at the path the bundle contract gives its format
(``alerts/…json``, ``deployments.jsonl``, ``flags.jsonl``, ``logs/….json``, ``traces/….json``,
``metrics/….otlp.json``, ``k8s/….json``) and loaded with
:func:`rcagraph.loaders.bundle.load_file` by the loader that would claim that file in a bundle
(:func:`~rcagraph.loaders.bundle.discover`), so the HTTP receivers and ``rcagraph load`` share
one parser, one writer and one loader matching. The load finishes (in the graph) before the
call returns: an accepted payload is never lost.

**A delivery** is named by the endpoint and the sha256 of its canonical JSON (sorted keys, no
spaces; a protobuf body is first decoded to the same JSON): ``POST /v1/logs sha256:<16 hex>``.
That name is the ``source`` of what it writes, and the totals kept per source (template counts,
call statistics, raw Parquet files) are replaced when the same source is loaded again, so a
retried request changes nothing. Rejections name the endpoint and the position in what was sent
(``resourceLogs[1].scopeLogs[0].logRecords[3]``, ``[2].context.timestamp`` for the third event
of an array), never the internal file.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from rcagraph.errors import BundleError, ConfigurationError, InputError
from rcagraph.graph import Graph, Tx, TxGraph
from rcagraph.ids import DEFAULT_SCOPE
from rcagraph.loaders.base import (
    Acknowledgement,
    FileLoader,
    LoadOptions,
    LoadReport,
    Rejection,
    dotted,
)
from rcagraph.loaders.bundle import discover, load_bundle, load_context, load_file
from rcagraph.loaders.limits import (
    ARCHIVE_RATIO_FLOOR_BYTES,
    MAX_ARCHIVE_BYTES,
    MAX_ARCHIVE_MEMBERS,
    MAX_ARCHIVE_RATIO,
)
from rcagraph.loaders.registry import default_loaders

#: the receivers' payload formats
Receiver = Literal[
    "alertmanager",
    "cdevents",
    "launchdarkly",
    "unleash",
    "otlp_logs",
    "otlp_traces",
    "otlp_metrics",
    "kubernetes",
]

#: the endpoint each receiver's payloads arrive at, as deliveries and rejections name it
ENDPOINTS: dict[Receiver, str] = {
    "alertmanager": "POST /api/v1/ingest/alertmanager",
    "cdevents": "POST /api/v1/ingest/cdevents",
    "launchdarkly": "POST /api/v1/ingest/launchdarkly",
    "unleash": "POST /api/v1/ingest/unleash",
    "otlp_logs": "POST /v1/logs",
    "otlp_traces": "POST /v1/traces",
    "otlp_metrics": "POST /v1/metrics",
    "kubernetes": "POST /api/v1/ingest/kubernetes/events",
}
#: the endpoint bundle archives arrive at
BUNDLE_ENDPOINT = "POST /api/v1/ingest/bundle"


def canonical_json(payload: Any) -> bytes:
    """The payload as canonical JSON: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def delivery_id(canonical: bytes) -> str:
    """``sha256:`` and the first 16 hex digits of the canonical payload's sha256."""
    return "sha256:" + hashlib.sha256(canonical).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Delivery:
    """What was sent: the endpoint, its id, and whether it was written one array element a
    line (``array``) or as one record (line numbers then mean nothing to the sender)."""

    endpoint: str
    id: str
    array: bool = False

    @property
    def name(self) -> str:
        return f"{self.endpoint} {self.id}"

    def rejection(self, r: Rejection) -> Rejection:
        """``r`` as the sender sees it: the endpoint, and the position in the payload."""
        position = dotted(r.pointer or "")
        if self.array and r.line is not None:
            position = f"[{r.line - 1}]" + ("." + position if position else "")
        return Rejection(
            kind=r.kind,
            file=self.endpoint,
            reason=r.reason,
            line=None,
            pointer=position or None,
            field=r.field,
            raw=r.raw,
        )


class Receivers:
    """Loads receivers' payloads and bundle archives into the graph."""

    def __init__(
        self, graph: Graph, options: LoadOptions, loaders: list[FileLoader] | None = None
    ) -> None:
        self.graph = graph
        self.options = options
        self.loaders = loaders

    def load_payload(
        self,
        rel: str,
        data: bytes,
        scope: str = DEFAULT_SCOPE,
        delivery: Delivery | None = None,
        ack: Acknowledgement | None = None,
    ) -> LoadReport:
        """Load one payload as the bundle file ``rel``; returns the load report. With a
        ``delivery``, provenance and rejections name it instead of ``rel``.

        The payload is one transaction (:class:`~rcagraph.graph.TxGraph`): its records, their
        edges and ``ack``'s write (the audit entry) commit together or not at all; when the
        driver retries it (a lost server), the load runs again from the start with a fresh
        report, writing the same ids.

        Raises InputError when every record was rejected (nothing is written),
        ConfigurationError when no loader reads such a file.
        """
        with tempfile.TemporaryDirectory(prefix="rcagraph-ingest-") as tmp:
            root = Path(tmp)
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            plan, _ = discover(
                root, self.loaders if self.loaders is not None else default_loaders()
            )
            loader = next((loader for loader, p in plan if p == path), None)
            if loader is None:
                raise ConfigurationError(f"no loader reads {rel!r} yet")
            name = delivery.name if delivery is not None else rel

            def unit(tx: Tx) -> LoadReport:
                report = LoadReport(scope=scope, bundle="receiver", started_at=datetime.now(UTC))
                ctx = load_context(TxGraph(tx, self.graph), self.options, scope, root, report)
                ctx.delivery = delivery.name if delivery is not None else None
                ctx.delivery_array = delivery is not None and delivery.array
                load_file(loader, path, ctx)
                report.finished_at = datetime.now(UTC)
                if delivery is not None:
                    report.rejections = [delivery.rejection(r) for r in report.rejections]
                _refuse_if_all_rejected(report, delivery is not None)
                if ack is not None:
                    ack.commit(tx, name, report)
                return report

            return self.graph.transaction(unit, f"load {rel}")

    def receive_json(
        self,
        kind: Receiver,
        payload: Any,
        scope: str = DEFAULT_SCOPE,
        ack: Acknowledgement | None = None,
    ) -> LoadReport:
        """A receiver's parsed JSON payload → the bundle file of its format, loaded (with
        ``ack``'s write, in one transaction). The file is named by the payload's content, so
        the same delivery twice is one source."""
        try:
            canonical = canonical_json(payload)
        except ValueError as exc:  # NaN or Infinity: not JSON
            raise InputError(f"the payload is not valid JSON: {exc}", field="$") from exc
        did = delivery_id(canonical)
        name = f"{kind}-{did.removeprefix('sha256:')}"
        endpoint = ENDPOINTS[kind]
        array = False
        if kind == "alertmanager":
            rel, data = f"alerts/{name}.json", canonical
        elif kind in ("cdevents", "launchdarkly", "unleash"):
            array = isinstance(payload, list)
            items = payload if array else [payload]
            lines = "".join(canonical_json(x).decode() + "\n" for x in items)
            rel = "deployments.jsonl" if kind == "cdevents" else "flags.jsonl"
            data = lines.encode()
        elif kind == "otlp_logs":
            rel, data = f"logs/{name}.json", canonical
        elif kind == "otlp_traces":
            rel, data = f"traces/{name}.json", canonical
        elif kind == "otlp_metrics":
            rel, data = f"metrics/{name}.otlp.json", canonical
        elif kind == "kubernetes":  # one event, an array or an EventList: positions by pointer
            rel, data = f"k8s/{name}.json", canonical
        else:  # pragma: no cover - the type names the kinds
            raise InputError(f"unknown receiver {kind!r}")
        return self.load_payload(rel, data, scope, Delivery(endpoint, did, array), ack)

    def load_archive(
        self, data: bytes, scope: str | None = None, ack: Acknowledgement | None = None
    ) -> LoadReport:
        """An incident bundle as a .tar, .tar.gz or .zip archive; ``ack`` brackets the load
        (see :class:`~rcagraph.loaders.base.Acknowledgement`), keyed on the archive's sha256."""
        delivery = f"{BUNDLE_ENDPOINT} sha256:{hashlib.sha256(data).hexdigest()[:16]}"
        with tempfile.TemporaryDirectory(prefix="rcagraph-bundle-") as tmp:
            root = Path(tmp)
            _extract(data, root)
            candidates = sorted(p.parent for p in root.rglob("incident.json"))
            if not candidates:
                raise BundleError("the archive holds no incident.json", file="incident.json")
            bundle = min(candidates, key=lambda p: len(p.parts))
            return load_bundle(
                self.graph,
                bundle,
                self.options,
                scope=scope,
                progress=False,
                report_dir=root / "_report",
                loaders=self.loaders,
                ack=ack,
                delivery=delivery,
            )


def _refuse_if_all_rejected(report: LoadReport, delivered: bool) -> None:
    """InputError when records were rejected and none was accepted."""
    counts = report.kinds.values()
    accepted = max(
        sum(c.loaded + c.merged for c in counts), sum(c.read - c.rejected for c in counts)
    )
    if report.rejected and accepted <= 0:
        first = report.rejections[0]
        raise InputError(
            f"every record was rejected ({report.rejected}); first: {first.message()}",
            file=first.file if delivered else None,
            pointer=first.pointer,
            field=first.field,
        )


_CHUNK = 1 << 20
_S_IFMT, _S_IFLNK = 0o170000, 0o120000


class _Budget:
    """Decompressed bytes left: the total and ratio limits, counted while writing."""

    def __init__(self, archive_bytes: int) -> None:
        self.left = min(
            MAX_ARCHIVE_BYTES, max(archive_bytes * MAX_ARCHIVE_RATIO, ARCHIVE_RATIO_FLOOR_BYTES)
        )
        self.limit = self.left
        self.members = 0

    def member(self, name: str) -> None:
        self.members += 1
        if self.members > MAX_ARCHIVE_MEMBERS:
            raise BundleError(f"the archive has more than {MAX_ARCHIVE_MEMBERS} members", file=name)

    def copy(self, src: io.BufferedIOBase | Any, target: Path, name: str) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            while chunk := src.read(_CHUNK):
                self.left -= len(chunk)
                if self.left < 0:
                    raise BundleError(
                        f"the archive expands beyond {self.limit} bytes (limit: "
                        f"{MAX_ARCHIVE_BYTES} bytes, or {MAX_ARCHIVE_RATIO} times its size)",
                        file=name,
                    )
                out.write(chunk)


def _target(root: Path, name: str) -> Path:
    target = (root / name).resolve()
    if not target.is_relative_to(root.resolve()) or target == root.resolve():
        raise BundleError(f"unsafe path in archive: {name}", file=name)
    return target


def _extract(data: bytes, root: Path) -> None:
    """Extract a .zip, .tar or .tar.gz into ``root``, streaming, within the limits above: only
    regular files and folders inside ``root`` (no links, devices or paths outside); a corrupted
    stream is a :class:`BundleError` naming the member."""
    budget = _Budget(len(data))
    if zipfile.is_zipfile(io.BytesIO(data)):
        _extract_zip(data, root, budget)
        return
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
            for member in tf:
                budget.member(member.name)
                target = _target(root, member.name)
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                if not member.isfile():
                    kind = "link" if member.issym() or member.islnk() else "special file"
                    raise BundleError(f"{kind} in archive: {member.name}", file=member.name)
                src = tf.extractfile(member)
                if src is None:  # pragma: no cover - a regular file always has a stream
                    continue
                with src:
                    budget.copy(src, target, member.name)
    except BundleError:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as exc:
        raise BundleError(
            f"not a readable .tar, .tar.gz or .zip archive: {exc} (send the archive itself as the "
            "body, e.g. curl --data-binary @bundle.tar.gz, or as the one file part of a "
            "multipart/form-data upload, curl -F bundle=@bundle.tar.gz)"
        ) from exc


def _extract_zip(data: bytes, root: Path, budget: _Budget) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                budget.member(info.filename)
                target = _target(root, info.filename)
                if (info.external_attr >> 16) & _S_IFMT == _S_IFLNK:
                    raise BundleError(f"link in archive: {info.filename}", file=info.filename)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                try:
                    with zf.open(info) as src:
                        budget.copy(src, target, info.filename)
                except BundleError:
                    raise
                except (
                    zipfile.BadZipFile,
                    zlib.error,
                    EOFError,
                    OSError,
                    RuntimeError,
                    ValueError,
                ) as exc:
                    raise BundleError(
                        f"corrupted archive member {info.filename}: {exc}", file=info.filename
                    ) from exc
                except NotImplementedError as exc:
                    raise BundleError(
                        f"unsupported compression of {info.filename}", file=info.filename
                    ) from exc
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as exc:
        raise BundleError(f"not a readable .zip archive: {exc}") from exc
    except NotImplementedError as exc:  # a damaged header can name a zip version or a method
        raise BundleError(f"unsupported .zip archive: {exc}") from exc
