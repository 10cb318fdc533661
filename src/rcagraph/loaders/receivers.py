"""Ingest receivers: payloads of Alertmanager, CDEvents, LaunchDarkly and OTLP/HTTP JSON, and
whole bundles as archives, loaded by the bundle loaders.

A payload is written to a temporary directory at the path the bundle contract gives its format
(``alerts/…json``, ``deployments.jsonl``, ``flags.jsonl``, ``logs/…jsonl``, ``traces/…jsonl``)
and loaded with :func:`rcagraph.loaders.bundle.load_file` by the loader that would claim that
file in a bundle (:func:`~rcagraph.loaders.bundle.discover`), so the HTTP receivers and
``rcagraph load`` share one parser, one writer and one loader matching. The load finishes (in
the graph) before the call returns: an accepted payload is never lost.
"""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from rcagraph.errors import BundleError, ConfigurationError, InputError
from rcagraph.graph import Graph
from rcagraph.ids import DEFAULT_SCOPE
from rcagraph.loaders.base import FileLoader, LoadOptions, LoadReport
from rcagraph.loaders.bundle import discover, load_bundle, load_context, load_file
from rcagraph.loaders.registry import default_loaders

#: the receivers' payload formats
Receiver = Literal[
    "alertmanager", "cdevents", "launchdarkly", "unleash", "otlp_logs", "otlp_traces"
]


class Receivers:
    """Loads receivers' payloads and bundle archives into the graph."""

    def __init__(
        self, graph: Graph, options: LoadOptions, loaders: list[FileLoader] | None = None
    ) -> None:
        self.graph = graph
        self.options = options
        self.loaders = loaders

    def load_payload(self, rel: str, data: bytes, scope: str = DEFAULT_SCOPE) -> LoadReport:
        """Load one payload as the bundle file ``rel``; returns the load report.

        Raises InputError when every record was rejected, ConfigurationError when no loader
        reads such a file.
        """
        started = datetime.now(UTC)
        report = LoadReport(scope=scope, bundle="receiver", started_at=started)
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
            load_file(loader, path, load_context(self.graph, self.options, scope, root, report))
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
        return report

    def receive_json(self, kind: Receiver, payload: Any, scope: str = DEFAULT_SCOPE) -> LoadReport:
        """A receiver's parsed JSON payload → the bundle file of its format, loaded."""
        name = f"{kind}-{uuid.uuid4().hex[:12]}"
        if kind == "alertmanager":
            rel, data = f"alerts/{name}.json", json.dumps(payload)
        elif kind == "cdevents":
            items = payload if isinstance(payload, list) else [payload]
            rel, data = "deployments.jsonl", "\n".join(json.dumps(x) for x in items) + "\n"
        elif kind in ("launchdarkly", "unleash"):
            items = payload if isinstance(payload, list) else [payload]
            rel, data = "flags.jsonl", "\n".join(json.dumps(x) for x in items) + "\n"
        elif kind == "otlp_logs":
            rel, data = f"logs/{name}.jsonl", json.dumps(payload) + "\n"
        elif kind == "otlp_traces":
            rel, data = f"traces/{name}.jsonl", json.dumps(payload) + "\n"
        else:  # pragma: no cover - the type names the kinds
            raise InputError(f"unknown receiver {kind!r}")
        return self.load_payload(rel, data.encode(), scope)

    def load_archive(self, data: bytes, scope: str | None = None) -> LoadReport:
        """An incident bundle as a .tar, .tar.gz or .zip archive."""
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
            )


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
