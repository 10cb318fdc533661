"""Property-based: the ticket and chat parsers never raise on any JSON, and what they give
back is a note, a skip or a rejection naming a field."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rcagraph.loaders.base import Rejection
from rcagraph.loaders.notes.github import parse_github
from rcagraph.loaders.notes.html import html_to_text
from rcagraph.loaders.notes.jira import adf_text, parse_jira
from rcagraph.loaders.notes.model import Note, Skip
from rcagraph.loaders.notes.slack import Directory, mrkdwn_text, parse_slack_day
from rcagraph.loaders.notes.teams import parse_teams
from rcagraph.loaders.records import Where
from tests.unit.notes import shapes

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "key",
                    "number",
                    "title",
                    "body",
                    "fields",
                    "ts",
                    "text",
                    "type",
                    "content",
                    "created",
                    "created_at",
                    "createdDateTime",
                    "issue_url",
                    "value",
                    "issues",
                    "comments",
                    "comment",
                    "histories",
                    "changelog",
                    "items",
                    "from",
                    "replies",
                    "subtype",
                    "thread_ts",
                    "user",
                    "summary",
                    "attrs",
                    "deletedDateTime",
                    "x",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


def _check(items: list[Note | Skip | Rejection]) -> None:
    for item in items:
        assert isinstance(item, Note | Skip | Rejection)
        if isinstance(item, Rejection):
            assert item.field and item.reason


def _mutated(base: Any, path: list[str | int], value: Any) -> Any:
    doc = copy.deepcopy(base)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return doc


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_no_parser_raises_on_any_json(value: Any) -> None:
    where = Where("f.json")
    _check(list(parse_github(value, where)))
    _check(list(parse_jira(value, where)))
    _check(list(parse_slack_day(value, where, "c", Directory())))
    _check(list(parse_teams(value, where, "c")))
    assert isinstance(adf_text(value), str)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_a_real_document_with_one_field_replaced_never_raises(value: Any) -> None:
    where = Where("f.json")
    _check(list(parse_github(_mutated(shapes.GITHUB_ISSUE, ["created_at"], value), where)))
    _check(list(parse_github(_mutated(shapes.GITHUB_COMMENTS, [0, "issue_url"], value), where)))
    for key in ("labels", "number", "title", "body", "user", "closed_at", "pull_request"):
        _check(list(parse_github(_mutated(shapes.GITHUB_ISSUE, [key], value), where)))
    for key in ("status", "reporter", "summary", "created"):
        _check(list(parse_jira(_mutated(shapes.JIRA_V2, ["fields", key], value), where)))
    _check(list(parse_jira(_mutated(shapes.JIRA_V2, ["fields", "comment"], value), where)))
    _check(list(parse_jira(_mutated(shapes.JIRA_V2, ["changelog", "histories"], value), where)))
    _check(list(parse_jira(_mutated(shapes.JIRA_V3, ["fields", "description"], value), where)))
    day = _mutated(shapes.SLACK_DAY, [1, "thread_ts"], value)
    _check(list(parse_slack_day(day, where, "incidents", Directory())))
    _check(list(parse_teams(_mutated(shapes.TEAMS, ["value", 0, "replies"], value), where, "c")))
    _check(list(parse_teams(_mutated(shapes.TEAMS, ["value", 0, "body"], value), where, "c")))
    d = Directory()
    d.add_users(value)
    d.add_channels(value)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_markup_to_text_never_raises(text: str) -> None:
    assert isinstance(html_to_text(text), str)
    assert isinstance(mrkdwn_text(text, Directory()), str)
