"""Epoch nanoseconds: the integer time of raw log lines, spans and metric samples, and its
``datetime``."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

MINUTE_NS = 60_000_000_000
_MIN_NS = -62135596800 * 10**9
_MAX_NS = 253402300800 * 10**9


def parse_epoch_ns(value: Any) -> int:
    """Epoch nanoseconds from an OTLP fixed64 (decimal string or integer)."""
    if isinstance(value, bool):
        raise ValueError("expected epoch nanoseconds, got a boolean")
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and value.strip().isdigit():
        n = int(value.strip())
    elif isinstance(value, float) and math.isfinite(value):
        n = int(value)
    else:
        raise ValueError(f"expected epoch nanoseconds, got {value!r}"[:200])
    if not _MIN_NS < n < _MAX_NS:
        raise ValueError(f"epoch nanoseconds {n} out of range")
    return n


def dt_to_ns(value: datetime) -> int:
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def ns_to_dt(ns: int) -> datetime:
    return datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC).replace(
        microsecond=(ns % 1_000_000_000) // 1000
    )
