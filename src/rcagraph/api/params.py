"""Query-parameter parsing shared by the routers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rcagraph.errors import InputError
from rcagraph.loaders.timeparse import NoZoneError, TimestampError, parse_rfc3339


def parse_time(value: Any, field: str) -> datetime | None:
    """An RFC 3339 timestamp with a zone (in UTC), or None."""
    if value is None or value == "":
        return None
    try:
        return parse_rfc3339(str(value))
    except NoZoneError:
        raise InputError("timestamp has no zone (give Z or an offset)", field=field) from None
    except TimestampError:
        raise InputError("not an RFC 3339 timestamp", field=field) from None
    except (OverflowError, ValueError):
        raise InputError("timestamp out of range in UTC", field=field) from None
