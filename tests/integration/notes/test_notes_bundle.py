"""Tickets and chat loaded into a real Neo4j: notes on the incident's timeline with their
source, linked to what they mention; and redaction before storage — no planted secret in any
graph property, the raw store, the load report, the quarantine or the draft."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rcagraph.core import RcaGraph
from rcagraph.graph import Query
from rcagraph.postmortem.render import render_markdown
from tests.unit.notes.bundle import DEPLOY_ID, leaked, raw_store_text, write_bundle

NOTES = Query(
    "t.notes",
    "MATCH (n:Note {scope: $scope}) "
    "RETURN n.uid AS uid, n.kind AS kind, n.system AS system, n.ref AS ref, n.text AS text, "
    "n.source AS source, n.source_ref AS source_ref, toString(n.at) AS at, n:Event AS event, "
    "COLLECT { MATCH (n)-[:MENTIONS]->(c:Component) RETURN c.name ORDER BY c.name } AS components, "
    "COLLECT { MATCH (n)-[:MENTIONS]->(x:Change) RETURN x.change_id } AS changes, "
    "COLLECT { MATCH (n)-[:ABOUT]->(i:Incident) RETURN i.id } AS incidents, "
    "COLLECT { MATCH (n)-[:REPLIES_TO]->(p:Note) RETURN p.ref + ' ' + p.kind } AS replies_to "
    "ORDER BY n.at, n.uid",
)
EVERYTHING = Query(
    "t.everything",
    "MATCH (n) RETURN properties(n) AS p UNION ALL MATCH ()-[r]->() RETURN properties(r) AS p",
)


def _by_ref(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(r["system"], r["kind"], r["source_ref"]): r for r in rows}


def test_tickets_and_chat_become_linked_notes_and_no_secret_is_stored(
    rca: RcaGraph, tmp_path: Path
) -> None:
    bundle = write_bundle(tmp_path / "b")
    report = rca.load_bundle(bundle, scope="s", report_dir=tmp_path / "r")

    tickets, chat = report.kinds["tickets"], report.kinds["chat"]
    # 2 GitHub tickets read: issue + its closing, 2 comments; Jira v2: ticket, comment, 2
    # histories; Jira v3: ticket, comment
    assert (tickets.read, tickets.loaded, tickets.rejected, tickets.skipped) == (10, 10, 0, 0)
    # Slack: 4 messages, the join skipped; Teams: 2 messages + 1 reply, deleted + system skipped
    assert (chat.read, chat.loaded, chat.skipped) == (8, 5, 3)
    assert chat.skip_reasons == {
        "slack channel_join": 1,
        "teams deleted message": 1,
        "teams systemEventMessage": 1,
    }
    assert tickets.notes == {
        "masked:aws_key": 1,
        "masked:card": 1,
        "masked:email": 1,
        "masked:github_token": 1,
        "masked:jwt": 1,
        "masked:ip": 2,
        "masked:secret": 1,
    }
    assert chat.notes == {"masked:ip": 1, "masked:slack_token": 1, "masked:secret": 1}
    logs = report.kinds["logs"]
    assert logs.notes["masked:email"] == 6 and logs.notes["masked:aws_key"] == 5
    assert logs.notes["masked:secret"] == 1  # the rejected line's raw text
    assert [r.field for r in report.rejections] == ["service"]

    rows = rca.graph.read(NOTES, scope="s")
    assert all(r["event"] and r["incidents"] == ["INC-1042"] for r in rows)
    notes = _by_ref(rows)
    comment = notes[("github", "comment", "/0")]
    assert comment["source"] == "tickets/github-12-comments.json"
    assert comment["components"] == ["cartservice"] and comment["changes"] == [DEPLOY_ID]
    assert comment["replies_to"] == ["acme/shop#12 ticket"]
    assert comment["at"] == "2026-03-01T12:10:00Z"
    reply = notes[("slack", "chat", "/2")]
    assert reply["source"] == "chat/slack/incidents/2026-03-01.json"
    assert reply["changes"] == [DEPLOY_ID] and reply["replies_to"] == ["#incidents chat"]
    teams_reply = notes[("teams", "chat", "/value/0/replies/0")]
    assert teams_reply["changes"] == [DEPLOY_ID]  # "rolling back v1.4.2": one change has it
    # a ticket that is the whole document is at "$"
    assert notes[("jira", "ticket", "$")]["components"] == ["cartservice", "frontend"]
    assert notes[("jira", "ticket_update", "/changelog/histories/0")]["text"] == (
        "status: Open → In Progress"
    )

    # nothing planted survives anywhere it was stored
    everything = json.dumps(rca.graph.read(EVERYTHING), default=str)
    assert "[email]" in everything and leaked(everything) == []
    stored = raw_store_text(rca.settings.raw_data_dir) + raw_store_text(tmp_path / "r")
    assert "[aws_key]" in stored and leaked(stored) == []
    quarantine = (tmp_path / "r" / "quarantine.jsonl").read_text()
    assert "password=[secret]" in quarantine

    # the draft's timeline shows the notes, masked
    doc = rca.workflow.postmortems.draft("INC-1042", "s")
    kinds = {e["kind"] for e in doc["timeline"]}
    assert {"ticket", "comment", "ticket_update", "chat"} <= kinds
    entry = next(e for e in doc["timeline"] if e["source_ref"] == "/value/0/replies/0")
    assert entry["summary"] == "Teams 19:ops@thread.tacv2, Ben Okafor: No, rolling back v1.4.2"
    text = json.dumps(doc) + render_markdown(doc)
    assert "Slack #incidents" in text and leaked(text) == []

    # loading again changes nothing
    before = rca.counts("s")
    again = rca.load_bundle(bundle, scope="s", report_dir=tmp_path / "r2")
    assert rca.counts("s") == before
    assert again.kinds["tickets"].loaded == 0 and again.kinds["tickets"].merged == 10
    assert _by_ref(rca.graph.read(NOTES, scope="s")) == notes


def test_a_slack_export_zip_loads_like_the_folder(rca: RcaGraph, tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "b", slack_as_zip=True)
    report = rca.load_bundle(bundle, scope="z", report_dir=tmp_path / "r")
    assert report.unknown_files == []
    assert report.kinds["chat"].loaded == 5 and report.rejections[0].field == "service"
    slack = [r for r in rca.graph.read(NOTES, scope="z") if r["system"] == "slack"]
    assert [(r["source"], r["source_ref"]) for r in slack] == [
        ("chat/slack-export.zip", "incidents/2026-03-01.json /1"),
        ("chat/slack-export.zip", "incidents/2026-03-01.json /2"),
        ("chat/slack-export.zip", "incidents/2026-03-01.json /3"),
    ]
    assert slack[1]["replies_to"] == ["#incidents chat"]
    assert leaked(json.dumps(rca.graph.read(EVERYTHING), default=str)) == []
