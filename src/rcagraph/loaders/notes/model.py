"""What the ticket and chat parsers produce: one :class:`Note` per ticket, comment, ticket
update or chat message, or a :class:`Skip` for a valid record that is not used."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: the report kinds of the two loaders
TICKETS = "tickets"
CHAT = "chat"

#: what a note is (``Note.kind``)
NOTE_KINDS: tuple[str, ...] = ("ticket", "comment", "ticket_update", "chat")


@dataclass(slots=True)
class Note:
    """One ticket, comment, ticket update or chat message.

    ``key`` is its identity in its own system (``github|acme/shop#12``,
    ``github-comment|acme/shop|1001``, ``jira|OPS-7``, ``slack|C024BE91L|1700000000.000200``);
    ``parent_key`` the key of the ticket a comment belongs to or of the message a thread reply
    answers; ``ref`` how people name it (``acme/shop#12``, ``OPS-7``, ``#incidents``)."""

    key: str
    system: str
    kind: str
    ref: str
    at: datetime
    text: str
    pointer: str
    author: str | None = None
    title: str | None = None
    url: str | None = None
    status: str | None = None
    channel: str | None = None
    updated_at: datetime | None = None
    parent_key: str | None = None


@dataclass(frozen=True, slots=True)
class Skip:
    """A valid record rcagraph does not use (a pull request, a join message, a deleted one)."""

    reason: str


def text_field(obj: Mapping[str, Any], key: str) -> str | None:
    """``obj[key]`` when it is a non-empty string (stripped), else None."""
    value = obj.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def nested(obj: Any, *keys: str) -> Any:
    """``obj[k1][k2]…``, or None where a step is missing or not an object."""
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj
