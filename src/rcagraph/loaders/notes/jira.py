"""Jira issues as ``GET /rest/api/2|3/issue/{key}?expand=changelog`` returns them.

A ``tickets/jira-*.json`` file holds one issue, an array of issues, or a search answer
(``{"issues": […]}`` of ``/rest/api/2|3/search``). An issue becomes a ``ticket`` note
(``fields.summary``, ``fields.description``, ``fields.reporter``, ``fields.status``,
``fields.created``); each of ``fields.comment.comments`` a ``comment`` note; each changelog
history (``changelog.histories``: who changed which fields when) a ``ticket_update`` note.
Version 2 gives texts as strings (wiki markup, kept as it is); version 3 as Atlassian Document
Format documents, whose text nodes are read (:func:`adf_text`). Jira's times
(``2026-03-01T12:03:00.000+0000``) carry their offset.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from rcagraph.loaders.base import Rejection
from rcagraph.loaders.notes.model import TICKETS, Note, Skip, nested, text_field
from rcagraph.loaders.records import Where, raw_of
from rcagraph.loaders.timeparse import parse_rfc3339

SYSTEM = "jira"
#: ADF nodes after which a line ends
_ADF_BLOCKS = frozenset(
    {
        "paragraph",
        "heading",
        "listItem",
        "codeBlock",
        "blockquote",
        "rule",
        "tableRow",
        "panel",
        "mediaSingle",
        "taskItem",
        "decisionItem",
    }
)
#: how deep an ADF document is read (deeper content is ignored)
_ADF_DEPTH = 64

Parsed = Note | Skip | Rejection


def adf_text(node: Any) -> str:
    """The text of an Atlassian Document Format node: text nodes, mentions (``@name``),
    emoji, links of inline cards and hard breaks; blocks end a line."""
    out: list[str] = []
    _adf(node, out, 0)
    return "\n".join(line.rstrip() for line in "".join(out).split("\n")).strip()


def _adf(node: Any, out: list[str], depth: int) -> None:
    if depth > _ADF_DEPTH or not isinstance(node, Mapping):
        return
    kind = node.get("type")
    if not isinstance(kind, str):
        kind = ""
    raw_attrs = node.get("attrs")
    attrs: Mapping[str, Any] = raw_attrs if isinstance(raw_attrs, Mapping) else {}
    if kind == "text" and isinstance(node.get("text"), str):
        out.append(node["text"])
    elif kind == "hardBreak":
        out.append("\n")
    elif kind == "mention":
        name = attrs.get("text")
        out.append(name if isinstance(name, str) else "@?")
    elif kind == "emoji":
        short = attrs.get("text") or attrs.get("shortName")
        if isinstance(short, str):
            out.append(short)
    elif kind in ("inlineCard", "blockCard") and isinstance(attrs.get("url"), str):
        out.append(attrs["url"])
    content = node.get("content")
    if isinstance(content, list):
        for child in content:
            _adf(child, out, depth + 1)
    if kind in _ADF_BLOCKS:
        out.append("\n")


def text_of(value: Any) -> str:
    """A Jira text field: a string (API v2) or an ADF document (v3); anything else is ''."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):
        return adf_text(value)
    return ""


def parse_jira(value: object, where: Where) -> Iterator[Parsed]:
    """The notes of one ``tickets/jira-*.json`` document; never raises."""
    if isinstance(value, Mapping) and isinstance(value.get("issues"), list):
        for i, item in enumerate(value["issues"]):
            yield from _issue(item, _at(where, f"/issues/{i}"))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _issue(item, _at(where, f"/{i}"))
    else:
        yield from _issue(value, _at(where, ""))


def _at(where: Where, pointer: str) -> Where:
    return Where(where.file, line=where.line, pointer=pointer or None)


def _time(value: Any, field: str, where: Where, raw: Any) -> datetime | Rejection:
    if value is None:
        return where.reject(TICKETS, "required field is missing", field, raw_of(raw))
    try:
        return parse_rfc3339(value)
    except ValueError as exc:
        return where.reject(TICKETS, str(exc), field, raw_of(raw))


def _person(obj: Any) -> str | None:
    if not isinstance(obj, Mapping):
        return None
    return text_field(obj, "displayName") or text_field(obj, "name")


def _browse(issue: Mapping[str, Any], key: str) -> str | None:
    self_url = issue.get("self")
    if isinstance(self_url, str) and "/rest/api/" in self_url:
        return self_url.split("/rest/api/", 1)[0] + "/browse/" + key
    return None


def _issue(obj: Any, where: Where) -> Iterator[Parsed]:
    if not isinstance(obj, Mapping):
        yield where.reject(TICKETS, "expected a Jira issue object", "$", raw_of(obj))
        return
    key = text_field(obj, "key")
    if key is None:
        yield where.reject(TICKETS, "required field is missing or empty", "key", raw_of(obj))
        return
    fields = obj.get("fields")
    if not isinstance(fields, Mapping):
        yield where.reject(TICKETS, "an issue needs a fields object", "fields", raw_of(obj))
        return
    summary = text_field(fields, "summary")
    if summary is None:
        yield where.reject(
            TICKETS, "required field is missing or empty", "fields.summary", raw_of(obj)
        )
        return
    at = _time(fields.get("created"), "fields.created", where, obj)
    if isinstance(at, Rejection):
        yield at
        return
    base = where.pointer or ""
    note_key = f"{SYSTEM}|{key}"
    url = _browse(obj, key)
    status = nested(fields, "status", "name")
    extra = [
        f"{label}: {value}"
        for label, value in (
            ("type", nested(fields, "issuetype", "name")),
            ("priority", nested(fields, "priority", "name")),
        )
        if isinstance(value, str)
    ]
    text = text_of(fields.get("description"))
    if extra:
        text = (text + "\n\n" + "; ".join(extra)).strip()
    updated = fields.get("updated")
    yield Note(
        key=note_key,
        system=SYSTEM,
        kind="ticket",
        ref=key,
        at=at,
        text=text,
        pointer=base,
        author=_person(fields.get("reporter")) or _person(fields.get("creator")),
        title=summary,
        url=url,
        status=status if isinstance(status, str) else None,
        updated_at=_maybe_time(updated),
    )
    comments = nested(fields, "comment", "comments")
    if comments is not None and not isinstance(comments, list):
        yield _at(where, base + "/fields/comment/comments").reject(
            TICKETS, "expected a list of comments", "fields.comment.comments", raw_of(comments)
        )
    for i, c in enumerate(comments if isinstance(comments, list) else []):
        yield from _comment(c, _at(where, f"{base}/fields/comment/comments/{i}"), key, url)
    histories = nested(obj, "changelog", "histories")
    if histories is not None and not isinstance(histories, list):
        yield _at(where, base + "/changelog/histories").reject(
            TICKETS, "expected a list of histories", "changelog.histories", raw_of(histories)
        )
    for i, h in enumerate(histories if isinstance(histories, list) else []):
        yield from _history(h, _at(where, f"{base}/changelog/histories/{i}"), key, summary, url)


def _maybe_time(value: Any) -> datetime | None:
    try:
        return parse_rfc3339(value) if value is not None else None
    except ValueError:
        return None


def _comment(obj: Any, where: Where, key: str, url: str | None) -> Iterator[Parsed]:
    if not isinstance(obj, Mapping):
        yield where.reject(TICKETS, "expected a comment object", "$", raw_of(obj))
        return
    ident = obj.get("id")
    if not isinstance(ident, str | int) or isinstance(ident, bool) or not str(ident).strip():
        yield where.reject(TICKETS, "a comment needs an id", "id", raw_of(obj))
        return
    at = _time(obj.get("created"), "created", where, obj)
    if isinstance(at, Rejection):
        yield at
        return
    yield Note(
        key=f"{SYSTEM}-comment|{key}|{ident}",
        system=SYSTEM,
        kind="comment",
        ref=key,
        at=at,
        text=text_of(obj.get("body")),
        pointer=where.pointer or "",
        author=_person(obj.get("author")),
        url=f"{url}?focusedCommentId={ident}" if url else None,
        updated_at=_maybe_time(obj.get("updated")),
        parent_key=f"{SYSTEM}|{key}",
    )


def _history(obj: Any, where: Where, key: str, summary: str, url: str | None) -> Iterator[Parsed]:
    if not isinstance(obj, Mapping):
        yield where.reject(TICKETS, "expected a changelog history object", "$", raw_of(obj))
        return
    ident = obj.get("id")
    if not isinstance(ident, str | int) or isinstance(ident, bool) or not str(ident).strip():
        yield where.reject(TICKETS, "a changelog history needs an id", "id", raw_of(obj))
        return
    at = _time(obj.get("created"), "created", where, obj)
    if isinstance(at, Rejection):
        yield at
        return
    items = obj.get("items")
    changes: list[str] = []
    status: str | None = None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping) or not isinstance(item.get("field"), str):
            continue
        before = item.get("fromString") if item.get("fromString") is not None else item.get("from")
        after = item.get("toString") if item.get("toString") is not None else item.get("to")
        changes.append(f"{item['field']}: {before or '∅'} → {after or '∅'}")
        if item["field"].lower() == "status" and isinstance(after, str):
            status = after
    if not changes:
        yield Skip("jira history without field changes")
        return
    yield Note(
        key=f"{SYSTEM}-history|{key}|{ident}",
        system=SYSTEM,
        kind="ticket_update",
        ref=key,
        at=at,
        text="; ".join(changes),
        pointer=where.pointer or "",
        author=_person(obj.get("author")),
        title=summary,
        url=url,
        status=status,
        parent_key=f"{SYSTEM}|{key}",
    )
