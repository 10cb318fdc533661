"""Slack channel exports, as Slack's export writes them.

An export (unzipped under ``chat/slack/``, or the zip itself as ``chat/slack*.zip``) holds
``users.json`` and ``channels.json`` (``groups.json``, ``mpims.json``, ``dms.json`` for private
conversations) at its top, and one folder per channel with a ``YYYY-MM-DD.json`` per day: an
array of messages with ``ts`` (epoch seconds, the message's id in its channel), ``user``,
``text`` (Slack mrkdwn: ``<@U024BE7LH>`` mentions, ``<#C024BE7LR|general>``, ``<url|label>``,
``&lt;``/``&gt;``/``&amp;`` escapes), ``thread_ts`` (the thread's first message; a reply has
``thread_ts != ts``) and ``subtype``. Each message becomes a ``chat`` note; a reply points at
its thread's first message. Joins, leaves, archive notices, pins and deleted messages are
skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from rcagraph.loaders.base import Rejection
from rcagraph.loaders.notes.model import CHAT, Note, Skip, nested, text_field
from rcagraph.loaders.records import Where, raw_of
from rcagraph.loaders.timeparse import from_epoch_s

SYSTEM = "slack"
#: top-level files of an export (not day files)
META_FILES = frozenset({"users.json", "channels.json", "groups.json", "mpims.json", "dms.json"})
DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
#: message subtypes that say nothing about the incident
SKIPPED_SUBTYPES = frozenset(
    {
        "channel_join",
        "channel_leave",
        "channel_archive",
        "channel_unarchive",
        "group_join",
        "group_leave",
        "group_archive",
        "group_unarchive",
        "message_deleted",
        "pinned_item",
        "unpinned_item",
        "tombstone",
    }
)
_TS = re.compile(r"^\d{1,12}(\.\d{1,9})?$")
_ANGLE = re.compile(r"<([^<>\s][^<>]*)>")


@dataclass(slots=True)
class Directory:
    """Who and what an export's ids name: user id → name, channel name → id."""

    users: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    channel_names: dict[str, str] = field(default_factory=dict)

    def add_users(self, value: object) -> None:
        for u in value if isinstance(value, list) else []:
            if isinstance(u, Mapping) and isinstance(u.get("id"), str):
                name = (
                    (
                        text_field(u.get("profile") or {}, "display_name")
                        if isinstance(u.get("profile"), Mapping)
                        else None
                    )
                    or text_field(u, "real_name")
                    or text_field(u, "name")
                )
                if name:
                    self.users[u["id"]] = name

    def add_channels(self, value: object) -> None:
        for c in value if isinstance(value, list) else []:
            if isinstance(c, Mapping) and isinstance(c.get("id"), str):
                name = text_field(c, "name")
                if name:
                    self.channels[name] = c["id"]
                    self.channel_names[c["id"]] = name


def mrkdwn_text(text: str, directory: Directory) -> str:
    """Slack mrkdwn as plain text: mentions by name, links as ``label (url)``, entities
    decoded."""

    def angle(m: re.Match[str]) -> str:
        inner = m.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (label or directory.users.get(target[1:], target[1:]))
        if target.startswith("#"):
            return "#" + (label or directory.channel_names.get(target[1:], target[1:]))
        if target.startswith("!"):
            word = label or target[1:].split("^", 1)[0]
            return word if word.startswith("@") else "@" + word
        return f"{label} ({target})" if label and label != target else target

    out = _ANGLE.sub(angle, text)
    return out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _author(msg: Mapping[str, Any], directory: Directory) -> str | None:
    profile = msg.get("user_profile")
    if isinstance(profile, Mapping):
        name = text_field(profile, "display_name") or text_field(profile, "real_name")
        if name:
            return name
    user = msg.get("user")
    if isinstance(user, str) and user:
        return directory.users.get(user, user)
    bot = nested(msg, "bot_profile", "name")
    if isinstance(bot, str) and bot.strip():
        return bot.strip()
    return text_field(msg, "username")


def parse_slack_day(
    value: object, where: Where, channel: str, directory: Directory
) -> Iterator[Note | Skip | Rejection]:
    """The notes of one day file of ``channel``; never raises."""
    if not isinstance(value, list):
        yield where.reject(CHAT, "a Slack day file is an array of messages", "$", raw_of(value))
        return
    channel_id = directory.channels.get(channel, channel)
    for i, msg in enumerate(value):
        here = Where(where.file, pointer=f"/{i}")
        if not isinstance(msg, Mapping):
            yield here.reject(CHAT, "expected a message object", "$", raw_of(msg))
            continue
        subtype = msg.get("subtype")
        if isinstance(subtype, str) and subtype in SKIPPED_SUBTYPES:
            yield Skip(f"slack {subtype}")
            continue
        if msg.get("type", "message") != "message":
            yield Skip(f"slack {msg.get('type')}")
            continue
        ts = msg.get("ts")
        if not isinstance(ts, str) or not _TS.match(ts):
            yield here.reject(
                CHAT,
                "ts must be Slack's epoch-seconds string (1700000000.000200)",
                "ts",
                raw_of(msg),
            )
            continue
        try:
            at = from_epoch_s(ts)
        except ValueError as exc:
            yield here.reject(CHAT, str(exc), "ts", raw_of(msg))
            continue
        raw_text = msg.get("text")
        text = mrkdwn_text(raw_text, directory) if isinstance(raw_text, str) else ""
        if not text.strip():
            files = msg.get("files")
            names = [
                str(f.get("name") or f.get("title"))
                for f in (files if isinstance(files, list) else [])
                if isinstance(f, Mapping) and (f.get("name") or f.get("title"))
            ]
            if not names:
                yield Skip("slack message without text")
                continue
            text = "shared " + ", ".join(names)
        thread = msg.get("thread_ts")
        parent = (
            f"{SYSTEM}|{channel_id}|{thread}"
            if isinstance(thread, str) and thread != ts and _TS.match(thread)
            else None
        )
        yield Note(
            key=f"{SYSTEM}|{channel_id}|{ts}",
            system=SYSTEM,
            kind="chat",
            ref=f"#{channel}",
            at=at,
            text=text.strip(),
            pointer=f"/{i}",
            author=_author(msg, directory),
            channel=channel,
            parent_key=parent,
        )
