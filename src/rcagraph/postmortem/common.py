"""What the post-mortem services share: the acting user, roles, time and JSON helpers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import IntEnum
from typing import Any

from rcagraph.__version__ import __version__
from rcagraph.errors import InputError, PermissionDeniedError
from rcagraph.graph import native as native  # the services' Neo4j → Python conversion

#: ``source`` of every node the workflow writes
SOURCE = "rcagraph.postmortem"
#: ``loader_version`` of every node the workflow writes (the tag the loaders write too)
WRITER_VERSION = f"rcagraph/{__version__}"


class Role(IntEnum):
    """API roles, ordered: each role may do everything the roles below it may."""

    viewer = 1
    responder = 2
    reviewer = 3
    admin = 4

    @classmethod
    def parse(cls, name: str) -> Role:
        try:
            return cls[name]
        except KeyError:
            raise InputError(
                f"unknown role {name!r}; one of {', '.join(r.name for r in cls)}", field="role"
            ) from None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something: a token's name and role, the holder's teams, the scopes the token
    may see (``None``: every scope) and the token's id (what the audit trail and the
    self-approval rule key on; names can be reused after a revocation, ids never)."""

    name: str
    role: Role
    teams: tuple[str, ...] = ()
    scopes: frozenset[str] | None = None
    id: str = ""

    @property
    def key(self) -> str:
        """The token id, or the name for actors that are not tokens (system, webhooks)."""
        return self.id or self.name

    def require(self, role: Role) -> None:
        if self.role < role:
            raise PermissionDeniedError(
                f"{self.name!r} has role {self.role.name}; this needs {role.name} or above"
            )

    def sees(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    def require_scope(self, scope: str) -> None:
        if not self.sees(scope):
            raise PermissionDeniedError(
                f"{self.name!r} may not see scope {scope!r} (token scopes: "
                f"{', '.join(sorted(self.scopes or ()))})"
            )

    def visible_scopes(self) -> list[str] | None:
        """The scopes to filter reads by (``None``: no filter)."""
        return None if self.scopes is None else sorted(self.scopes)


#: the actor of CLI commands and internal jobs
SYSTEM = Actor("system", Role.admin)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def jsonable(value: Any) -> Any:
    """Python/Neo4j values to JSON-ready ones (datetimes as RFC 3339 UTC)."""
    value = native(value)
    if isinstance(value, datetime | date):
        return iso(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def jsonable_dict(value: Any) -> dict[str, Any]:
    out = jsonable(value)
    assert isinstance(out, dict)
    return out


def dumps(value: Any) -> str:
    """Canonical JSON (sorted keys): the same content always gives the same digest."""
    return json.dumps(jsonable(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def provenance(source_ref: str) -> dict[str, Any]:
    return {"source": SOURCE, "source_ref": source_ref, "loader_version": WRITER_VERSION}


def require_aware(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise InputError("timestamp has no zone (give Z or an offset)", field=field)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise InputError("timestamp out of range in UTC", field=field) from None
