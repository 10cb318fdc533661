"""Query-parameter parsing shared by the routers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rcagraph.errors import InputError


def parse_time(value: Any, field: str) -> datetime | None:
    """An RFC 3339 timestamp with a zone, or None."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InputError("not an RFC 3339 timestamp", field=field) from None
    if parsed.tzinfo is None:
        raise InputError("timestamp has no zone (give Z or an offset)", field=field)
    return parsed
