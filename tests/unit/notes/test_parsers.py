"""The ticket and chat parsers on payloads in their tools' shapes (tests/unit/notes/shapes.py)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from rcagraph.loaders.base import Rejection
from rcagraph.loaders.notes.github import parse_github
from rcagraph.loaders.notes.html import html_to_text
from rcagraph.loaders.notes.jira import adf_text, parse_jira
from rcagraph.loaders.notes.loader import summary_of
from rcagraph.loaders.notes.model import Note, Skip
from rcagraph.loaders.notes.slack import Directory, mrkdwn_text, parse_slack_day
from rcagraph.loaders.notes.teams import parse_teams
from rcagraph.loaders.records import Where
from tests.unit.notes import shapes

Parsed = Note | Skip | Rejection


def _split(items: list[Parsed]) -> tuple[list[Note], list[Skip], list[Rejection]]:
    return (
        [i for i in items if isinstance(i, Note)],
        [i for i in items if isinstance(i, Skip)],
        [i for i in items if isinstance(i, Rejection)],
    )


def _directory() -> Directory:
    d = Directory()
    d.add_users(shapes.SLACK_USERS)
    d.add_channels(shapes.SLACK_CHANNELS)
    return d


def test_a_github_issue_is_a_ticket_and_its_closing_an_update() -> None:
    notes, skips, bad = _split(
        list(parse_github(shapes.GITHUB_ISSUE, Where("tickets/github-12.json")))
    )
    assert skips == [] and bad == []
    ticket, closed = notes
    assert (ticket.key, ticket.kind, ticket.ref, ticket.author) == (
        "github|acme/shop#12",
        "ticket",
        "acme/shop#12",
        "ana-oncall",
    )
    assert ticket.title == shapes.GITHUB_ISSUE["title"]
    assert ticket.at == datetime(2026, 3, 1, 12, 6, tzinfo=UTC)
    assert ticket.text.endswith("labels: incident, sev2") and ticket.status == "closed"
    assert ticket.url == "https://github.com/acme/shop/issues/12"
    assert (closed.kind, closed.at, closed.parent_key) == (
        "ticket_update",
        datetime(2026, 3, 1, 12, 55, tzinfo=UTC),
        ticket.key,
    )
    assert closed.pointer == "/closed_at"


def test_github_comments_belong_to_their_issue() -> None:
    notes, _, bad = _split(list(parse_github(shapes.GITHUB_COMMENTS, Where("f"))))
    assert bad == []
    assert [n.key for n in notes] == [
        "github-comment|acme/shop|3990001",
        "github-comment|acme/shop|3990002",
    ]
    assert {n.parent_key for n in notes} == {"github|acme/shop#12"}
    assert [n.pointer for n in notes] == ["/0", "/1"]
    assert notes[0].author == "ben-sre" and "5f8e2c1a" in notes[0].text


def test_an_issue_with_its_comments_and_a_list_with_a_pull_request() -> None:
    paired = {"issue": shapes.GITHUB_ISSUE, "comments": shapes.GITHUB_COMMENTS}
    notes, _, _ = _split(list(parse_github(paired, Where("f"))))
    assert [n.kind for n in notes] == ["ticket", "ticket_update", "comment", "comment"]
    assert notes[2].pointer == "/comments/0"
    notes, skips, _ = _split(list(parse_github(shapes.GITHUB_LIST, Where("f"))))
    assert [n.ref for n in notes] == ["acme/shop#12", "acme/shop#12"]
    assert skips == [Skip("github pull request")]


def test_bad_github_records_are_rejected_naming_the_field() -> None:
    no_time = {k: v for k, v in shapes.GITHUB_ISSUE.items() if k != "created_at"}
    bad_time = {**shapes.GITHUB_ISSUE, "created_at": "yesterday"}
    orphan = {k: v for k, v in shapes.GITHUB_COMMENTS[0].items() if k != "issue_url"}
    orphan["url"] = "https://api.github.com/repos/acme/shop/issues/comments/1"
    _, _, bad = _split(list(parse_github([no_time, bad_time, orphan, 7], Where("t.json"))))
    assert [(r.pointer, r.field) for r in bad] == [
        ("/0", "created_at"),
        ("/1", "created_at"),
        ("/2", "issue_url"),
        ("/3", "$"),
    ]
    assert all(r.kind == "tickets" and r.file == "t.json" and r.raw for r in bad[:3])


def test_a_jira_v2_issue_with_comments_and_changelog() -> None:
    notes, skips, bad = _split(list(parse_jira(shapes.JIRA_V2, Where("tickets/jira-OPS-7.json"))))
    assert bad == [] and skips == []
    ticket, comment, first, second = notes
    assert (ticket.key, ticket.ref, ticket.title, ticket.status, ticket.author) == (
        "jira|OPS-7",
        "OPS-7",
        "INC-1042 checkout slow",
        "Done",
        "Carla Duty",
    )
    assert ticket.url == "https://acme.atlassian.net/browse/OPS-7"
    assert "type: Incident; priority: High" in ticket.text
    assert ticket.at == datetime(2026, 3, 1, 12, 7, tzinfo=UTC)
    assert (comment.kind, comment.pointer, comment.author) == (
        "comment",
        "/fields/comment/comments/0",
        "Dev Ops",
    )
    assert (first.kind, first.text, first.status) == (
        "ticket_update",
        "status: Open → In Progress",
        "In Progress",
    )
    # +0100: 13:50 local is 12:50 UTC
    assert second.at == datetime(2026, 3, 1, 12, 50, tzinfo=UTC)
    assert second.text == "resolution: ∅ → Done; status: In Progress → Done"
    assert {n.parent_key for n in notes[1:]} == {"jira|OPS-7"}


def test_a_jira_v3_issue_reads_the_text_nodes_of_its_documents() -> None:
    notes, _, bad = _split(list(parse_jira({"issues": [shapes.JIRA_V3]}, Where("f"))))
    assert bad == []
    ticket, comment = notes
    assert ticket.text.startswith(f"Pool exhausted on cartservice from host {shapes.IPV6}\n@Carla")
    assert "⚠️" in ticket.text and comment.text == "Owner notified."
    assert (
        ticket.pointer == "/issues/0" and comment.pointer == "/issues/0/fields/comment/comments/0"
    )


def test_bad_jira_issues_are_rejected_and_the_good_ones_kept() -> None:
    missing = copy.deepcopy(shapes.JIRA_V2)
    del missing["fields"]["summary"]
    zoneless = copy.deepcopy(shapes.JIRA_V3)
    zoneless["fields"]["created"] = "2026-03-01T12:30:00.000"
    broken_comment = copy.deepcopy(shapes.JIRA_V3)
    broken_comment["key"] = "OPS-9"
    broken_comment["fields"]["comment"]["comments"][0]["created"] = None
    notes, _, bad = _split(list(parse_jira([missing, zoneless, broken_comment], Where("f"))))
    assert [(r.pointer, r.field) for r in bad] == [
        ("/0", "fields.summary"),
        ("/1", "fields.created"),
        ("/2/fields/comment/comments/0", "created"),
    ]
    assert [n.key for n in notes] == ["jira|OPS-9"]


def test_adf_text_of_nested_lists_and_code() -> None:
    doc = {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": "one"}]}
                        ],
                    },
                    {
                        "type": "listItem",
                        "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": "two"}]}
                        ],
                    },
                ],
            },
            {"type": "codeBlock", "content": [{"type": "text", "text": "kubectl rollout undo"}]},
            {
                "type": "paragraph",
                "content": [{"type": "inlineCard", "attrs": {"url": "https://ci.example/1"}}],
            },
        ],
    }
    assert adf_text(doc).split("\n") == [
        "one",
        "",
        "two",
        "",
        "kubectl rollout undo",
        "https://ci.example/1",
    ]


def test_a_slack_day_file() -> None:
    items = list(
        parse_slack_day(
            shapes.SLACK_DAY,
            Where("chat/slack/incidents/2026-03-01.json"),
            "incidents",
            _directory(),
        )
    )
    notes, skips, bad = _split(items)
    assert bad == [] and skips == [Skip("slack channel_join")]
    first, reply, bot = notes
    assert first.key == "slack|C07INC|1772366460.000200" and first.parent_key is None
    assert first.text.startswith("@here checkout is slow, @Ben Okafor can you look at cartservice?")
    assert (first.author, first.ref, first.channel) == ("ana", "#incidents", "incidents")
    assert first.at == datetime.fromtimestamp(1772366460.0002, UTC)
    assert reply.parent_key == first.key and reply.author == "Ben Okafor"
    assert reply.text == (
        "looks like deploy 5f8e2c1a (https://ci.example/deploys/5f8e2c1a) & the new pool size"
    )
    assert bot.author == "alertmanager" and bot.pointer == "/3"


def test_bad_slack_messages_are_rejected() -> None:
    day: list[Any] = [{"type": "message", "text": "x", "ts": "soon"}, "hello", {"text": " "}]
    day[2]["ts"] = "1772366460.1"
    _, skips, bad = _split(list(parse_slack_day(day, Where("d.json"), "c", Directory())))
    assert [(r.pointer, r.field) for r in bad] == [("/0", "ts"), ("/1", "$")]
    assert skips == [Skip("slack message without text")]
    _, _, whole = _split(list(parse_slack_day({"messages": []}, Where("d.json"), "c", Directory())))
    assert whole[0].field == "$"


def test_mrkdwn_without_a_directory_keeps_the_ids() -> None:
    text = "<@U1> in <#C2> said <mailto:a@b.example|a@b.example> &lt;3 <!subteam^S1|@sre>"
    assert (
        mrkdwn_text(text, Directory()) == "@U1 in #C2 said a@b.example (mailto:a@b.example) <3 @sre"
    )


def test_a_teams_collection_with_replies_deleted_and_system_messages() -> None:
    notes, skips, bad = _split(list(parse_teams(shapes.TEAMS, Where("chat/teams-ops.json"), "ops")))
    assert bad == []
    assert skips == [Skip("teams deleted message"), Skip("teams systemEventMessage")]
    root, reply = notes
    assert root.text == (
        f"@Ben is cartservice healthy?\nClient secret was client_secret: {shapes.CLIENT_SECRET}"
    )
    assert (root.author, root.title, root.channel) == (
        "Dana Reyes",
        "Checkout incident",
        "19:ops@thread.tacv2",
    )
    assert root.at == datetime(2026, 3, 1, 12, 5, 0, 123000, tzinfo=UTC)
    assert reply.parent_key == root.key and reply.pointer == "/value/0/replies/0"
    assert reply.text == "No, rolling back v1.4.2"


def test_bad_teams_messages_are_rejected() -> None:
    good = shapes.TEAMS["value"][0]["replies"][0]
    items = [
        {**good, "id": ""},
        {**good, "createdDateTime": "2026-03-01 12:00"},
        {**good, "body": "plain"},
        {**good, "id": "x2", "from": {"application": {"displayName": "Incident bot"}}},
    ]
    notes, _, bad = _split(list(parse_teams(items, Where("t.json"), "ops")))
    assert [(r.pointer, r.field) for r in bad] == [
        ("/0", "id"),
        ("/1", "createdDateTime"),
        ("/2", "body"),
    ]
    assert notes[0].author == "Incident bot"


def test_html_to_text() -> None:
    assert html_to_text("<p>a&amp;b</p><p>c<br/>d</p><script>x()</script>") == "a&b\n\nc\nd"
    assert html_to_text("<div><at id='1'>Zoe</at> <img alt='(smile)'></div>") == "@Zoe (smile)"
    assert html_to_text("<b>unclosed") == "unclosed"


def test_the_timeline_summary() -> None:
    notes, _, _ = _split(list(parse_github(shapes.GITHUB_COMMENTS[:1], Where("f"))))
    assert summary_of(notes[0]) == (
        "GitHub acme/shop#12 comment by ben-sre: The deploy 5f8e2c1a of cartservice v1.4.2 "
        "went out at 11:58; rolling back."
    )
    long = Note("k", "slack", "chat", "#c", datetime(2026, 1, 1, tzinfo=UTC), "word " * 100, "/0")
    text = summary_of(long)
    assert text.startswith("Slack #c: word word") and text.endswith("…") and len(text) < 200
