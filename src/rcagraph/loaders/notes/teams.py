"""Microsoft Teams messages, as the Graph API returns them.

A ``chat/teams-*.json`` file holds a ``chatMessage`` collection (``{"value": […]}`` of
``GET /teams/{id}/channels/{id}/messages`` or ``GET /chats/{id}/messages``; replies inline
under ``replies`` when ``$expand=replies`` was asked), an array of ``chatMessage`` objects or
one. A message (``messageType: message``) becomes a ``chat`` note: ``createdDateTime``,
``from.user.displayName`` (or ``from.application.displayName``), ``body.content`` as text
(``body.contentType: html`` stripped of its markup), ``subject``; a reply (``replyToId``) points
at the message it answers. Deleted messages (``deletedDateTime`` set) and system events are
skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from rcagraph.loaders.base import Rejection
from rcagraph.loaders.notes.html import html_to_text
from rcagraph.loaders.notes.model import CHAT, Note, Skip, nested, text_field
from rcagraph.loaders.records import Where, raw_of
from rcagraph.loaders.timeparse import parse_rfc3339

SYSTEM = "teams"


def parse_teams(
    value: object, where: Where, fallback_channel: str
) -> Iterator[Note | Skip | Rejection]:
    """The notes of one ``chat/teams-*.json`` document; never raises."""
    if isinstance(value, Mapping) and isinstance(value.get("value"), list):
        items: list[tuple[str, Any]] = [(f"/value/{i}", m) for i, m in enumerate(value["value"])]
    elif isinstance(value, list):
        items = [(f"/{i}", m) for i, m in enumerate(value)]
    else:
        items = [("", value)]
    for pointer, msg in items:
        yield from _message(msg, Where(where.file, pointer=pointer or None), fallback_channel, None)


def _channel(msg: Mapping[str, Any], fallback: str) -> str:
    for value in (nested(msg, "channelIdentity", "channelId"), msg.get("chatId")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return fallback


def _message(
    msg: Any, where: Where, fallback: str, parent: str | None
) -> Iterator[Note | Skip | Rejection]:
    if not isinstance(msg, Mapping):
        yield where.reject(CHAT, "expected a chatMessage object", "$", raw_of(msg))
        return
    ident = msg.get("id")
    if not isinstance(ident, str) or not ident.strip():
        yield where.reject(CHAT, "a chatMessage needs an id", "id", raw_of(msg))
        return
    kind = msg.get("messageType", "message")
    if msg.get("deletedDateTime") is not None:
        yield Skip("teams deleted message")
    elif kind != "message":
        yield Skip(f"teams {kind}")
    else:
        yield from _note(msg, where, fallback, parent, ident.strip())
    replies = msg.get("replies")
    if isinstance(replies, list):
        base = where.pointer or ""
        for i, reply in enumerate(replies):
            yield from _message(
                reply, Where(where.file, pointer=f"{base}/replies/{i}"), fallback, ident
            )


def _note(
    msg: Mapping[str, Any], where: Where, fallback: str, parent: str | None, ident: str
) -> Iterator[Note | Rejection]:
    created = msg.get("createdDateTime")
    if created is None:
        yield where.reject(CHAT, "required field is missing", "createdDateTime", raw_of(msg))
        return
    try:
        at = parse_rfc3339(created)
    except ValueError as exc:
        yield where.reject(CHAT, str(exc), "createdDateTime", raw_of(msg))
        return
    body = msg.get("body")
    if body is not None and not isinstance(body, Mapping):
        yield where.reject(CHAT, "body must be an itemBody object", "body", raw_of(msg))
        return
    content = body.get("content") if isinstance(body, Mapping) else None
    content_type = (
        str(body.get("contentType") or "text").lower() if isinstance(body, Mapping) else "text"
    )
    text = ""
    if isinstance(content, str):
        text = html_to_text(content) if content_type == "html" else content.strip()
    subject = text_field(msg, "subject")
    author = nested(msg, "from", "user", "displayName") or nested(
        msg, "from", "application", "displayName"
    )
    channel = _channel(msg, fallback)
    reply_to = msg.get("replyToId")
    parent_id = reply_to if isinstance(reply_to, str) and reply_to.strip() else parent
    updated = msg.get("lastModifiedDateTime")
    try:
        updated_at = parse_rfc3339(updated) if updated is not None else None
    except ValueError:
        updated_at = None
    yield Note(
        key=f"{SYSTEM}|{channel}|{ident}",
        system=SYSTEM,
        kind="chat",
        ref=channel,
        at=at,
        text=text,
        pointer=where.pointer or "",
        author=author.strip() if isinstance(author, str) and author.strip() else None,
        title=subject,
        url=text_field(msg, "webUrl"),
        channel=channel,
        updated_at=updated_at,
        parent_key=f"{SYSTEM}|{channel}|{parent_id}" if parent_id else None,
    )
