"""GitHub issues and their comments as the REST API returns them.

A ``tickets/github-*.json`` file holds what ``GET /repos/{owner}/{repo}/issues/{number}``
returns (one issue object), what ``GET /repos/{owner}/{repo}/issues`` or
``…/issues/{number}/comments`` returns (an array of issues, or of comments), or an object
``{"issue": {…}, "comments": […]}`` pairing the two answers. An issue becomes a ``ticket``
note (title, body, author ``user.login``, ``state``, labels, ``created_at``) and, when it has a
``closed_at``, a ``ticket_update`` note at that time; a comment becomes a ``comment`` note on
its issue (``issue_url``). Pull requests (an issue with a ``pull_request`` member, as the list
endpoint returns them) are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from rcagraph.loaders.base import Rejection
from rcagraph.loaders.notes.model import TICKETS, Note, Skip, nested, text_field
from rcagraph.loaders.records import Where, raw_of
from rcagraph.loaders.timeparse import parse_rfc3339

SYSTEM = "github"
_REPO = re.compile(r"/repos/([^/\s]+/[^/\s]+?)(?:/issues/(\d+))?(?:/|$)")
_HTML = re.compile(r"github\.com/([^/\s]+/[^/\s]+)/(?:issues|pull)/(\d+)")

Parsed = Note | Skip | Rejection


def parse_github(value: object, where: Where) -> Iterator[Parsed]:
    """The notes of one ``tickets/github-*.json`` document; never raises."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from _item(item, _at(where, f"/{i}"))
    elif isinstance(value, Mapping) and isinstance(value.get("issue"), Mapping):
        yield from _issue(value["issue"], _at(where, "/issue"))
        comments = value.get("comments", [])
        if not isinstance(comments, list):
            yield _at(where, "/comments").reject(
                TICKETS, "comments must be a list of comment objects", "comments", raw_of(comments)
            )
            return
        for i, item in enumerate(comments):
            yield from _comment(item, _at(where, f"/comments/{i}"))
    else:
        yield from _item(value, _at(where, ""))


def _at(where: Where, pointer: str) -> Where:
    return Where(where.file, line=where.line, pointer=pointer or None)


def _item(value: object, where: Where) -> Iterator[Parsed]:
    if not isinstance(value, Mapping):
        yield where.reject(TICKETS, "expected a GitHub issue or comment object", "$", raw_of(value))
    elif "title" not in value and "number" not in value:  # a comment has neither
        yield from _comment(value, where)
    else:
        yield from _issue(value, where)


def _time(obj: Mapping[str, Any], key: str, where: Where) -> datetime | Rejection:
    value = obj.get(key)
    if value is None:
        return where.reject(TICKETS, "required field is missing", key, raw_of(obj))
    try:
        return parse_rfc3339(value)
    except ValueError as exc:
        return where.reject(TICKETS, str(exc), key, raw_of(obj))


def _optional_time(obj: Mapping[str, Any], key: str) -> datetime | None:
    try:
        return parse_rfc3339(obj[key]) if obj.get(key) is not None else None
    except ValueError:
        return None


def repo_and_number(obj: Mapping[str, Any], url_key: str) -> tuple[str | None, int | None]:
    """``owner/repo`` and the issue number, from the API URLs an issue or comment carries."""
    for key in (url_key, "url", "repository_url"):
        text = obj.get(key)
        if isinstance(text, str):
            m = _REPO.search(text)
            if m:
                return m.group(1), int(m.group(2)) if m.group(2) else None
    html = obj.get("html_url")
    if isinstance(html, str):
        m = _HTML.search(html)
        if m:
            return m.group(1), int(m.group(2))
    return None, None


def _login(obj: Mapping[str, Any]) -> str | None:
    login = nested(obj, "user", "login")
    return login.strip() if isinstance(login, str) and login.strip() else None


def _issue(obj: Any, where: Where) -> Iterator[Parsed]:
    if not isinstance(obj, Mapping):
        yield where.reject(TICKETS, "expected a GitHub issue object", "issue", raw_of(obj))
        return
    if "pull_request" in obj:
        yield Skip("github pull request")
        return
    number = obj.get("number")
    if type(number) is not int or number < 0:
        yield where.reject(TICKETS, "an issue needs an integer number", "number", raw_of(obj))
        return
    title = text_field(obj, "title")
    if title is None:
        yield where.reject(TICKETS, "required field is missing or empty", "title", raw_of(obj))
        return
    at = _time(obj, "created_at", where)
    if isinstance(at, Rejection):
        yield at
        return
    repo, _ = repo_and_number(obj, "repository_url")
    ref = f"{repo or ''}#{number}"
    body = obj.get("body")
    raw_labels = obj.get("labels")
    labels = [
        str(label.get("name"))
        for label in (raw_labels if isinstance(raw_labels, list) else [])
        if isinstance(label, Mapping) and label.get("name") is not None
    ]
    text = body if isinstance(body, str) else ""
    if labels:
        text = (text + "\n\nlabels: " + ", ".join(labels)).strip()
    state = text_field(obj, "state")
    key = f"{SYSTEM}|{ref}"
    url = text_field(obj, "html_url")
    yield Note(
        key=key,
        system=SYSTEM,
        kind="ticket",
        ref=ref,
        at=at,
        text=text,
        pointer=where.pointer or "",
        author=_login(obj),
        title=title,
        url=url,
        status=state,
        updated_at=_optional_time(obj, "updated_at"),
    )
    closed = _optional_time(obj, "closed_at")
    if closed is not None:
        closer = nested(obj, "closed_by", "login")
        yield Note(
            key=f"{SYSTEM}-closed|{ref}",
            system=SYSTEM,
            kind="ticket_update",
            ref=ref,
            at=closed,
            text=f"closed ({text_field(obj, 'state_reason') or state or 'closed'})",
            pointer=(where.pointer or "") + "/closed_at",
            author=closer if isinstance(closer, str) else None,
            title=title,
            url=url,
            status="closed",
            parent_key=key,
        )


def _comment(obj: Any, where: Where) -> Iterator[Parsed]:
    if not isinstance(obj, Mapping):
        yield where.reject(TICKETS, "expected a GitHub comment object", "$", raw_of(obj))
        return
    ident = obj.get("id")
    if type(ident) is not int and not (isinstance(ident, str) and ident.strip()):
        yield where.reject(TICKETS, "a comment needs an id", "id", raw_of(obj))
        return
    repo, number = repo_and_number(obj, "issue_url")
    if number is None:
        yield where.reject(
            TICKETS, "a comment needs the issue_url of its issue", "issue_url", raw_of(obj)
        )
        return
    at = _time(obj, "created_at", where)
    if isinstance(at, Rejection):
        yield at
        return
    body = obj.get("body")
    ref = f"{repo or ''}#{number}"
    yield Note(
        key=f"{SYSTEM}-comment|{repo or ''}|{ident}",
        system=SYSTEM,
        kind="comment",
        ref=ref,
        at=at,
        text=body if isinstance(body, str) else "",
        pointer=where.pointer or "",
        author=_login(obj),
        url=text_field(obj, "html_url"),
        updated_at=_optional_time(obj, "updated_at"),
        parent_key=f"{SYSTEM}|{ref}",
    )
