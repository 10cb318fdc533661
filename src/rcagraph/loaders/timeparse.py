"""Timestamps of the incident-bundle contract, and of every RFC 3339 time rcagraph is given.

:func:`parse_rfc3339` is the one parser of RFC 3339 text: the loaders, the API's query
parameters and the CLI's options use it (each turns its errors into its own messages). A
timestamp without a zone is an error, never taken as local time. A leaf module: it imports
nothing of rcagraph.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

_HAS_ZONE = re.compile(r"(Z|z|[+-]\d{2}:?\d{2})$")


class TimestampError(ValueError):
    """Not an RFC 3339 timestamp."""


class NoZoneError(TimestampError):
    """A timestamp without a zone offset."""


def parse_rfc3339(value: object) -> datetime:
    """An RFC 3339 timestamp with an explicit offset, as an aware UTC datetime.

    Raises :class:`TimestampError` for anything that is not one, :class:`NoZoneError` (a
    subclass) for a time without a zone offset.
    """
    if not isinstance(value, str):
        raise TimestampError(f"expected an RFC 3339 timestamp string, got {type(value).__name__}")
    text = value.strip()
    if text[-1:] in ("z", "Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise TimestampError(f"not an RFC 3339 timestamp: {value!r}") from exc
    if parsed.tzinfo is None or not _HAS_ZONE.search(text):
        raise NoZoneError(f"timestamp {value!r} has no zone offset (never taken as local time)")
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:  # 9999-12-31T23:59:59-01:00 is past year 9999 in UTC
        raise TimestampError(f"timestamp {value!r} is out of range once converted to UTC") from exc


def _epoch(value: object, scale: float, what: str) -> datetime:
    if isinstance(value, bool):
        raise ValueError(f"expected {what}, got a boolean")
    try:
        number = float(value) if isinstance(value, int | float | str) else math.nan
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"expected {what}, got {value!r}"[:200]) from exc
    if not math.isfinite(number):
        raise ValueError(f"expected {what}, got {value!r}")
    seconds = number / scale
    if not -62135596800 < seconds < 253402300800:
        raise ValueError(f"{what} {value!r} is out of range")
    return datetime.fromtimestamp(seconds, tz=UTC)


def from_epoch_ns(value: object) -> datetime:
    """OTLP: nanoseconds since the epoch (a decimal string or an integer)."""
    if isinstance(value, str) and value.strip().isdigit():
        ns = int(value.strip())
        return _epoch(ns // 1000, 1e6, "epoch nanoseconds")
    return _epoch(value, 1e9, "epoch nanoseconds")


def from_epoch_ms(value: object) -> datetime:
    """LaunchDarkly: milliseconds since the epoch."""
    return _epoch(value, 1e3, "epoch milliseconds")


def from_epoch_s(value: object) -> datetime:
    """Prometheus and metrics CSV: seconds since the epoch (may be a float)."""
    return _epoch(value, 1.0, "epoch seconds")


def parse_rfc3339_or_epoch_s(value: object) -> datetime:
    """metrics/*.csv: RFC 3339 with an offset, or epoch seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_epoch_s(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", value):
        return from_epoch_s(value)
    return parse_rfc3339(value)
