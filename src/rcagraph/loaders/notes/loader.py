"""The ticket and chat loaders: parsed notes redacted, linked and written.

Both loaders run after the catalog and the changes (:mod:`rcagraph.loaders.registry`), so a
note's mentions (:mod:`rcagraph.loaders.notes.mentions`) find the components and changes of
the same load. Every text a note keeps (title, text, author, URL) is redacted before anything
is written (:meth:`~rcagraph.loaders.base.LoadContext.mask`); the mentions are found in the
redacted text.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import rcagraph.loaders.notes.queries as q
from rcagraph.errors import BundleError
from rcagraph.ids import uid
from rcagraph.loaders.base import LOADER_VERSION, LoadContext, Rejection
from rcagraph.loaders.incident import incident_uid, read_incident
from rcagraph.loaders.limits import MAX_ARCHIVE_BYTES, MAX_ARCHIVE_MEMBERS
from rcagraph.loaders.notes.github import parse_github
from rcagraph.loaders.notes.jira import parse_jira
from rcagraph.loaders.notes.mentions import ChangeRef, Mentions
from rcagraph.loaders.notes.model import CHAT, TICKETS, Note, Skip
from rcagraph.loaders.notes.slack import DAY_FILE, META_FILES, Directory, parse_slack_day
from rcagraph.loaders.notes.teams import parse_teams
from rcagraph.loaders.records import WHOLE_RECORD, Where, json_limit_reason, read_json_document

#: how much of a note's text its timeline summary shows
SUMMARY_CHARS = 160
_SYSTEM_NAMES = {"github": "GitHub", "jira": "Jira", "slack": "Slack", "teams": "Teams"}
_VERB = {"ticket": "opened", "comment": "comment", "ticket_update": "updated"}

Parsed = Note | Skip | Rejection


def summary_of(note: Note) -> str:
    """One line for the timeline: system, reference, who, and the start of the text."""
    system = _SYSTEM_NAMES.get(note.system, note.system)
    who = f" by {note.author}" if note.author else ""
    if note.kind == "chat":
        head = f"{system} {note.ref}" + (f", {note.author}" if note.author else "")
    else:
        head = f"{system} {note.ref} {_VERB.get(note.kind, note.kind)}{who}"
    body = note.title if note.kind == "ticket" and note.title else note.text
    line = " ".join(body.split())
    if len(line) > SUMMARY_CHARS:
        line = line[: SUMMARY_CHARS - 1].rstrip() + "…"
    return f"{head}: {line}" if line else head


@dataclass(slots=True)
class _Sink:
    """The notes of one file, redacted and turned into rows, then written."""

    ctx: LoadContext
    kind: str
    source: str
    mentions: Mentions
    incident: str | None
    rows: list[dict[str, Any]]

    def add(self, item: Parsed, ref_prefix: str = "") -> None:
        counts = self.ctx.report.counts(self.kind)
        counts.read += 1
        if isinstance(item, Rejection):
            self.ctx.reject(item)
            return
        if isinstance(item, Skip):
            self.ctx.skip(self.kind, item.reason)
            return
        self.rows.append(self._row(item, ref_prefix))

    def _row(self, note: Note, ref_prefix: str) -> dict[str, Any]:
        mask = self.ctx.mask
        note.text = mask(self.kind, note.text)
        note.title = mask(self.kind, note.title) if note.title else note.title
        note.author = mask(self.kind, note.author) if note.author else note.author
        note.url = mask(self.kind, note.url) if note.url else note.url
        components, changes = self.mentions.find(f"{note.title or ''}\n{note.text}")
        scope = self.ctx.scope
        parent = uid(scope, "Note", note.parent_key) if note.parent_key else None
        return {
            "uid": uid(scope, "Note", note.key),
            "incident_uid": self.incident,
            "source": self.source,
            "source_ref": (ref_prefix + " " + note.pointer).strip() or WHOLE_RECORD,
            "loader_version": LOADER_VERSION,
            "parent_uid": parent,
            "component_uids": components,
            "change_uids": changes,
            "props": {
                "kind": note.kind,
                "system": note.system,
                "ref": note.ref,
                "at": note.at,
                "updated_at": note.updated_at,
                "title": note.title,
                "text": note.text,
                "summary": summary_of(note),
                "author": note.author,
                "url": note.url,
                "status": note.status,
                "channel": note.channel,
                "parent_uid": parent,
            },
        }

    def write(self) -> None:
        if not self.rows:
            return
        ctx = self.ctx
        rows = sorted({r["uid"]: r for r in self.rows}.values(), key=lambda r: r["uid"])
        stats = ctx.graph.write_batches(
            q.NOTES, rows, batch_size=ctx.batch_size, extra=ctx.params()
        )
        ctx.record_write(self.kind, stats)
        ctx.graph.write_batches(
            q.NOTE_MENTIONS, rows, batch_size=ctx.batch_size, extra=ctx.params()
        )
        ctx.graph.write_batches(q.NOTE_THREADS, rows, batch_size=ctx.batch_size, extra=ctx.params())


def _mentions(ctx: LoadContext) -> Mentions:
    components = [(r["name"], r["uid"]) for r in ctx.graph.read(q.COMPONENT_NAMES, scope=ctx.scope)]
    changes = [
        ChangeRef(r["uid"], r["change_id"], r["version"], r["service"], r["flag_key"])
        for r in ctx.graph.read(q.CHANGE_REFS, scope=ctx.scope)
    ]
    return Mentions.of(components, changes)


def _incident(ctx: LoadContext) -> str | None:
    try:
        return incident_uid(ctx.scope, read_incident(ctx.bundle_dir).id)
    except BundleError:
        return None


def _sink(ctx: LoadContext, kind: str, path: Path) -> _Sink:
    ctx.report.counts(kind)  # reported even when the file holds nothing
    return _Sink(ctx, kind, ctx.rel(path), _mentions(ctx), _incident(ctx), [])


class TicketsLoader:
    """tickets/github-*.json (GitHub REST issues and comments), tickets/jira-*.json (Jira REST
    issues with comments and changelog) → :Note (ticket, comment, ticket_update)."""

    kind = TICKETS
    patterns: tuple[str, ...] = ("tickets/github-*.json", "tickets/jira-*.json")

    def load(self, path: Path, ctx: LoadContext) -> None:
        sink = _sink(ctx, TICKETS, path)
        value = read_json_document(path, sink.source, TICKETS)
        if isinstance(value, Rejection):
            sink.add(value)
            return
        where = Where(sink.source)
        parse = parse_jira if path.name.startswith("jira-") else parse_github
        for item in parse(value, where):
            sink.add(item)
        sink.write()


class ChatLoader:
    """chat/slack/ (a Slack export: users.json, channels.json, <channel>/<YYYY-MM-DD>.json),
    chat/slack*.zip (the export as Slack delivers it), chat/teams-*.json (Microsoft Graph
    chatMessage collections) → :Note (chat)."""

    kind = CHAT
    patterns: tuple[str, ...] = (
        "chat/slack/*.json",
        "chat/slack/*/*.json",
        "chat/slack*.zip",
        "chat/teams-*.json",
    )

    def load(self, path: Path, ctx: LoadContext) -> None:
        rel = PurePosixPath(ctx.rel(path))
        if path.suffix.lower() == ".zip":
            self._zip(path, ctx)
        elif rel.parts[:2] == ("chat", "slack") and len(rel.parts) == 3:
            ctx.report.counts(CHAT)  # users.json, channels.json: read with the day files
        elif rel.parts[:2] == ("chat", "slack"):
            self._slack_day(path, ctx)
        else:
            sink = _sink(ctx, CHAT, path)
            value = read_json_document(path, sink.source, CHAT)
            if isinstance(value, Rejection):
                sink.add(value)
                return
            for item in parse_teams(value, Where(sink.source), path.stem.removeprefix("teams-")):
                sink.add(item)
            sink.write()

    def _slack_day(self, path: Path, ctx: LoadContext) -> None:
        sink = _sink(ctx, CHAT, path)
        directory = Directory()
        root = path.parent.parent
        for name in sorted(META_FILES):
            meta = root / name
            if meta.is_file():
                _add_meta(directory, name, _json_or_none(meta.read_bytes()))
        value = read_json_document(path, sink.source, CHAT)
        if isinstance(value, Rejection):
            sink.add(value)
            return
        for item in parse_slack_day(value, Where(sink.source), path.parent.name, directory):
            sink.add(item)
        sink.write()

    def _zip(self, path: Path, ctx: LoadContext) -> None:
        sink = _sink(ctx, CHAT, path)
        try:
            with zipfile.ZipFile(path) as archive:
                members = _members(archive, sink.source)
                if isinstance(members, Rejection):
                    sink.add(members)
                    return
                directory = Directory()
                for info in members:
                    name = PurePosixPath(info.filename)
                    if len(name.parts) == 1 and name.name in META_FILES:
                        _add_meta(directory, name.name, _json_or_none(archive.read(info)))
                for info in members:
                    name = PurePosixPath(info.filename)
                    if len(name.parts) != 2 or not DAY_FILE.match(name.name):
                        continue
                    for item in _zip_day(archive, info, sink.source, directory):
                        sink.add(item, ref_prefix=info.filename)
        except zipfile.BadZipFile as exc:
            sink.add(Where(sink.source).reject(CHAT, f"not a zip archive: {exc}", WHOLE_RECORD))
            return
        sink.write()


def _members(archive: zipfile.ZipFile, source: str) -> list[zipfile.ZipInfo] | Rejection:
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > MAX_ARCHIVE_MEMBERS:
        return Where(source).reject(
            CHAT, f"the archive has more than {MAX_ARCHIVE_MEMBERS} files", WHOLE_RECORD
        )
    if sum(i.file_size for i in infos) > MAX_ARCHIVE_BYTES:
        return Where(source).reject(
            CHAT, f"the archive unpacks to more than {MAX_ARCHIVE_BYTES} bytes", WHOLE_RECORD
        )
    return sorted(infos, key=lambda i: i.filename)


def _zip_day(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str, directory: Directory
) -> Iterator[Parsed]:
    where = Where(f"{source}:{info.filename}")
    try:
        value: object = json.loads(archive.read(info).decode("utf-8"))
    except UnicodeDecodeError as exc:
        yield where.reject(CHAT, f"not UTF-8: {exc.reason}", WHOLE_RECORD)
        return
    except json.JSONDecodeError as exc:
        yield Where(where.file, line=exc.lineno).reject(
            CHAT, f"not valid JSON: {exc.msg} (column {exc.colno})", WHOLE_RECORD
        )
        return
    except (RecursionError, ValueError) as exc:
        yield where.reject(CHAT, json_limit_reason(exc), WHOLE_RECORD)
        return
    channel = PurePosixPath(info.filename).parts[0]
    yield from parse_slack_day(value, where, channel, directory)


def _json_or_none(data: bytes) -> object:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _add_meta(directory: Directory, name: str, value: object) -> None:
    if name == "users.json":
        directory.add_users(value)
    else:
        directory.add_channels(value)
