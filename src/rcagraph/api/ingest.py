"""Ingest over HTTP: receivers hand their payloads to the bundle loaders (``rcagraph.loaders``).

A payload is written to a temporary file at the path the bundle contract gives its format
(``alerts/…json``, ``deployments.jsonl``, ``flags.jsonl``, ``logs/…jsonl``, ``traces/…jsonl``)
and loaded by the loader whose pattern claims that path, so the HTTP receivers and
``rcagraph load`` share one parser and one writer. The load finishes (in the graph) before the
answer is sent: an accepted request is never lost.
"""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from rcagraph.errors import BundleError, ConfigurationError, InputError
from rcagraph.ids import DEFAULT_SCOPE

if TYPE_CHECKING:
    from rcagraph.core import RcaGraph
    from rcagraph.loaders.base import FileLoader, LoadReport


def _report_json(report: LoadReport) -> dict[str, Any]:
    d = report.to_dict()
    d.pop("quarantine_path", None)
    d.pop("bundle", None)
    d["rejections"] = d["rejections"][:20]
    return d


class IngestService:
    def __init__(self, rca: RcaGraph) -> None:
        self.rca = rca

    def _loader_for(self, rel: str) -> FileLoader:
        from rcagraph.loaders.registry import default_loaders

        for loader in default_loaders():
            if any(PurePosixPath(rel).match(p) for p in loader.patterns):
                return loader
        raise ConfigurationError(f"no loader reads {rel!r} yet")

    def load_file(self, rel: str, data: bytes, scope: str = DEFAULT_SCOPE) -> dict[str, Any]:
        """Load one payload as the bundle file ``rel``; returns the load report.

        Raises InputError when every record was rejected.
        """
        from rcagraph.loaders.base import LoadContext, LoadReport

        loader = self._loader_for(rel)
        started = datetime.now(UTC)
        report = LoadReport(scope=scope, bundle="receiver", started_at=started)
        with tempfile.TemporaryDirectory(prefix="rcagraph-ingest-") as tmp:
            root = Path(tmp)
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            ctx = LoadContext(
                graph=self.rca.graph,
                scope=scope,
                bundle_dir=root,
                data_dir=self.rca.settings.raw_data_dir,
                ingested_at=started,
                report=report,
                batch_size=self.rca.settings.batch_size,
            )
            loader.load(path, ctx)
        report.finished_at = datetime.now(UTC)
        counts = report.kinds.values()
        accepted = sum(c.loaded + c.merged for c in counts)
        if report.rejected and accepted == 0:
            first = report.rejections[0]
            raise InputError(
                f"every record was rejected ({report.rejected}); first: {first.message()}",
                pointer=first.pointer,
                field=first.field,
            )
        return _report_json(report)

    def receive_json(self, kind: str, payload: Any, scope: str = DEFAULT_SCOPE) -> dict[str, Any]:
        """A receiver's parsed JSON payload → the bundle file of its format."""
        name = f"{kind}-{uuid.uuid4().hex[:12]}"
        if kind == "alertmanager":
            rel, data = f"alerts/{name}.json", json.dumps(payload)
        elif kind == "cdevents":
            items = payload if isinstance(payload, list) else [payload]
            rel, data = "deployments.jsonl", "\n".join(json.dumps(x) for x in items) + "\n"
        elif kind == "launchdarkly":
            items = payload if isinstance(payload, list) else [payload]
            rel, data = "flags.jsonl", "\n".join(json.dumps(x) for x in items) + "\n"
        elif kind == "otlp_logs":
            rel, data = f"logs/{name}.jsonl", json.dumps(payload) + "\n"
        elif kind == "otlp_traces":
            rel, data = f"traces/{name}.jsonl", json.dumps(payload) + "\n"
        else:  # pragma: no cover - the routers name the kinds
            raise InputError(f"unknown receiver {kind!r}")
        return self.load_file(rel, data.encode(), scope)

    def load_archive(self, data: bytes, scope: str | None = None) -> dict[str, Any]:
        """An incident bundle as a .tar, .tar.gz or .zip archive."""
        from rcagraph.loaders.bundle import load_bundle

        with tempfile.TemporaryDirectory(prefix="rcagraph-bundle-") as tmp:
            root = Path(tmp)
            _extract(data, root)
            candidates = sorted(p.parent for p in root.rglob("incident.json"))
            if not candidates:
                raise BundleError("the archive holds no incident.json", file="incident.json")
            bundle = min(candidates, key=lambda p: len(p.parts))
            report = load_bundle(
                self.rca, bundle, scope=scope, progress=False, report_dir=root / "_report"
            )
            return _report_json(report)


def _extract(data: bytes, root: Path) -> None:
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                target = (root / info.filename).resolve()
                if not target.is_relative_to(root.resolve()):
                    raise BundleError(f"unsafe path in archive: {info.filename}")
            zf.extractall(root)  # noqa: S202 - every member checked above
        return
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
            tf.extractall(root, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise BundleError(f"not a .tar, .tar.gz or .zip archive: {exc}") from exc
