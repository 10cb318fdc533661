"""Where a bundle's normal operation ends: the baseline of every detector that reads a bundle.

A bundle's ``incident.json`` gives ``started_at``. The minutes before ``started_at`` less
``LOOKBACK_NS`` (30 min; the root of an incident often turns bad some minutes before anyone
declares it) are its *normal operation*: the log loader's baseline of rates and templates, and
the metric and trace detectors' baseline and normal envelope (:mod:`rcagraph.loaders.detect`).
A receiver's payload has no incident: its detectors fall back to the leading part of each
series.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from rcagraph.loaders.epoch_ns import MINUTE_NS, dt_to_ns
from rcagraph.loaders.timeparse import parse_rfc3339

LOOKBACK_NS = 30 * MINUTE_NS


def incident_start_ns(bundle_dir: Path) -> int | None:
    """``started_at`` of the bundle's incident.json, if it can be read (else None)."""
    path = bundle_dir / "incident.json"
    try:
        if not path.is_file() or path.stat().st_size > 1_000_000:
            return None
        data = json.loads(path.read_text("utf-8"))
        if isinstance(data, Mapping) and data.get("started_at"):
            return dt_to_ns(parse_rfc3339(data["started_at"]))
    except (OSError, ValueError, RecursionError):
        return None
    return None


def normal_until_ns(bundle_dir: Path) -> int | None:
    """End of the bundle's normal operation (``LOOKBACK_NS`` before its incident's start), or
    None when the bundle has no readable incident."""
    start = incident_start_ns(bundle_dir)
    return None if start is None else start - LOOKBACK_NS
