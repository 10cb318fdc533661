"""The workspace's own parsing: form times, the sign-in page's ``next`` and the sessions."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcagraph.errors import InputError
from rcagraph.workspace.auth import HOME, safe_next
from rcagraph.workspace.incidents import local_time
from rcagraph.workspace.sessions import SessionStore, same_secret

minutes = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2999, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


@given(minutes)
def test_a_datetime_local_value_is_read_as_utc(moment: datetime) -> None:
    text = moment.strftime("%Y-%m-%dT%H:%M")
    assert local_time(text, "since") == moment.replace(tzinfo=UTC)
    assert local_time(moment.strftime("%Y-%m-%dT%H:%M:%S"), "since") == moment.replace(tzinfo=UTC)


@given(minutes, st.sampled_from(["Z", "+02:00", "-05:30"]))
def test_an_rfc3339_value_keeps_its_offset(moment: datetime, offset: str) -> None:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + offset
    parsed = local_time(text, "until")
    assert parsed is not None and parsed.tzinfo is not None
    assert parsed == datetime.fromisoformat(text.replace("Z", "+00:00"))


@given(st.text(max_size=40))
def test_any_text_is_a_time_or_an_input_error_naming_the_field(text: str) -> None:
    try:
        parsed = local_time(text, "since")
    except InputError as exc:
        assert exc.field == "since"
    else:
        assert parsed is None or parsed.tzinfo is not None


def test_empty_is_no_time() -> None:
    assert local_time("", "since") is None
    assert local_time("   ", "since") is None
    assert local_time(None, "since") is None


@pytest.mark.parametrize(
    "target",
    [
        "",
        "https://evil.example/ui/x",
        "//evil.example/ui",
        "/ui\\@evil",
        "/api/v1/tokens",
        "/ui",
        "/uix/incidents",
        "/ui/\nSet-Cookie: x",
    ],
)
def test_next_never_leaves_the_workspace(target: str) -> None:
    assert safe_next(target) == HOME


@given(st.text(max_size=60))
def test_next_is_a_workspace_path_or_home(target: str) -> None:
    chosen = safe_next(target)
    assert chosen == HOME or (chosen == target and chosen.startswith("/ui/"))
    assert not chosen.startswith("//") and "\\" not in chosen


def test_next_keeps_a_workspace_page_and_its_query() -> None:
    assert safe_next("/ui/incidents/INC-1?scope=default") == "/ui/incidents/INC-1?scope=default"


def test_sessions_expire_end_and_are_bounded() -> None:
    store = SessionStore(lifetime_s=60, max_sessions=3)
    first, session = store.create("h1", "tok-1")
    assert store.get(first) is session and session.csrf_ok(session.csrf)
    assert not session.csrf_ok("") and not session.csrf_ok(session.csrf + "x")
    assert store.get("not-a-session") is None and store.get(None) is None
    store.end(first)
    assert store.get(first) is None
    ids = [store.create(f"h{n}")[0] for n in range(5)]
    assert len(store) == 3 and store.get(ids[0]) is None and store.get(ids[-1]) is not None
    expired = SessionStore(lifetime_s=0.01)
    sid, _ = expired.create("h")
    time.sleep(0.02)
    assert expired.get(sid) is None and len(expired) == 0


def test_the_store_keeps_no_cookie_value() -> None:
    store = SessionStore(lifetime_s=60)
    sid, _ = store.create("hash")
    assert sid not in repr(store._sessions)


def test_same_secret_refuses_empty_values() -> None:
    assert same_secret("a", "a") and not same_secret("", "") and not same_secret("a", "b")
