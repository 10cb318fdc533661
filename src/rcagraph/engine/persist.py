"""Versioned model files: a joblib payload plus a JSON metadata file beside it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib

from rcagraph.__version__ import __version__
from rcagraph.errors import ModelError, NotFoundError

#: the format written: 2 keeps a default scorer's calibration as JSON thresholds
#: (rcagraph.engine.calibration) where 1 pickled scikit-learn's IsotonicRegression
FORMAT_VERSION = 2
#: the formats read (a format-1 file's calibration is converted on load)
READABLE_FORMATS = frozenset({1, 2})


def meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def save_model(path: Path, ranker: str, payload: dict[str, Any], meta: dict[str, Any]) -> None:
    """Write ``payload`` with joblib to ``path`` and the metadata to ``path.meta.json``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    full_meta = {
        "format_version": FORMAT_VERSION,
        "ranker": ranker,
        "rcagraph_version": __version__,
        "saved_at": datetime.now(UTC).isoformat(),
        **meta,
    }
    joblib.dump({"meta": full_meta, "payload": payload}, path)
    meta_path(path).write_text(json.dumps(full_meta, indent=2, default=str), encoding="utf-8")


def load_model(path: Path, ranker: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read a model file written by :func:`save_model` for ``ranker``: (payload, meta)."""
    if not path.is_file():
        raise NotFoundError(f"model file not found: {path}")
    try:
        data = joblib.load(path)
    except Exception as exc:  # joblib/pickle raise many kinds
        raise ModelError(f"cannot read model file {path}: {exc}") from exc
    if not isinstance(data, dict) or "meta" not in data or "payload" not in data:
        raise ModelError(f"{path} is not an rcagraph model file")
    meta = data["meta"]
    if meta.get("format_version") not in READABLE_FORMATS:
        raise ModelError(
            f"{path}: model format {meta.get('format_version')} is not supported "
            f"(this rcagraph reads formats {', '.join(map(str, sorted(READABLE_FORMATS)))})"
        )
    if meta.get("ranker") != ranker:
        raise ModelError(f"{path} holds a {meta.get('ranker')!r} ranker, not {ranker!r}")
    return data["payload"], meta


def peek_ranker(path: Path) -> str:
    """The ranker name a model file holds (from its metadata)."""
    mp = meta_path(path)
    if mp.is_file():
        return str(json.loads(mp.read_text(encoding="utf-8")).get("ranker", ""))
    _, meta = load_model(path, ranker=_any_ranker(path))
    return str(meta.get("ranker", ""))


def _any_ranker(path: Path) -> str:
    data = joblib.load(path)
    return str(data.get("meta", {}).get("ranker", "")) if isinstance(data, dict) else ""
