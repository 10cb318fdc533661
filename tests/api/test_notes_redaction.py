"""Tickets, chat and secret-laden logs through the API: the bundle receiver's answer counts
the masks, the draft's timeline shows the notes, and no planted secret appears in any answer
(receiver, incident, hypotheses and their evidence, draft JSON and Markdown, post-mortem
export) nor in the graph or raw store after an OTLP delivery."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from rcagraph.graph import Query
from tests.api.conftest import Api
from tests.unit.notes import shapes
from tests.unit.notes.bundle import leaked, raw_store_text, write_bundle

SCOPE = "bundle:INC-1042"
EVERYTHING = Query(
    "t.everything",
    "MATCH (n) RETURN properties(n) AS p UNION ALL MATCH ()-[r]->() RETURN properties(r) AS p",
)


def _tar(root: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                tf.add(path, arcname=path.relative_to(root).as_posix())
    return buf.getvalue()


def test_no_secret_in_any_answer_and_notes_on_the_timeline(api: Api, tmp_path: Path) -> None:
    answers: list[str] = []
    loaded = api.client.post(
        "/api/v1/ingest/bundle",
        params={"scope": SCOPE},
        content=_tar(write_bundle(tmp_path / "b")),
        headers=api.h("responder"),
    )
    answers.append(loaded.text)
    assert loaded.status_code == 200, loaded.text
    report = loaded.json()
    assert report["kinds"]["chat"]["notes"]["masked:slack_token"] == 1
    assert report["kinds"]["logs"]["notes"]["masked:email"] == 6
    assert [r["field"] for r in report["rejections"]] == ["service"]
    assert "password=[secret]" in report["rejections"][0]["raw"]

    params = {"scope": SCOPE}
    draft = api.client.get(
        "/api/v1/incidents/INC-1042/draft", params=params, headers=api.h("viewer")
    )
    assert draft.status_code == 200, draft.text
    answers.append(draft.text)
    timeline = draft.json()["timeline"]
    notes = [e for e in timeline if e["kind"] in ("ticket", "comment", "ticket_update", "chat")]
    assert len(notes) == 15
    by_ref = {(e["source"], e["source_ref"]): e for e in notes}
    slack = by_ref[("chat/slack/incidents/2026-03-01.json", "/1")]
    assert slack["summary"].startswith("Slack #incidents, ana: @here checkout is slow")
    assert "ssh to [ip] works. token=[slack_token]" in slack["summary"]
    assert slack["service"] == "cartservice"  # the component it mentions
    md = api.client.get(
        "/api/v1/incidents/INC-1042/draft",
        params={**params, "format": "md"},
        headers=api.h("viewer"),
    )
    answers.append(md.text)
    assert "| chat | cartservice | Slack #incidents, ana:" in md.text

    ranked = api.client.post(
        "/api/v1/incidents/INC-1042/rank", params=params, headers=api.h("admin")
    )
    assert ranked.status_code == 200, ranked.text
    answers.append(ranked.text)
    answers.append(
        api.client.get("/api/v1/incidents/INC-1042", params=params, headers=api.h("viewer")).text
    )
    created = api.client.post(
        "/api/v1/postmortems",
        json={"incident_id": "INC-1042", "scope": SCOPE},
        headers=api.h("admin"),
    )
    assert created.status_code == 201, created.text
    pm = created.json()["id"]
    for fmt in ("md", "json"):
        export = api.client.get(
            f"/api/v1/postmortems/{pm}/export", params={"format": fmt}, headers=api.h("viewer")
        )
        assert export.status_code == 200, export.text
        answers.append(export.text)
    assert "Teams 19:ops@thread.tacv2, Ben Okafor" in answers[-1]

    # an OTLP delivery with secrets in a body and an attribute, and a bad record
    otlp = {
        "resourceLogs": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "cartservice"}}]
                },
                "scopeLogs": [
                    {
                        "logRecords": [
                            {
                                "timeUnixNano": "1772366430000000000",
                                "body": {
                                    "stringValue": f"user {shapes.EMAIL} key {shapes.AWS_KEY}"
                                },
                                "attributes": [
                                    {"key": "peer", "value": {"stringValue": shapes.IP}}
                                ],
                            },
                            {"timeUnixNano": "soon", "body": {"stringValue": shapes.JWT}},
                        ]
                    }
                ],
            }
        ]
    }
    sent = api.client.post("/v1/logs", json=otlp, headers=api.h("responder"))
    assert sent.status_code == 200, sent.text
    answers.append(sent.text)

    assert [a for a in answers if leaked(a)] == []
    assert leaked(json.dumps(api.rca.graph.read(EVERYTHING), default=str)) == []
    assert leaked(raw_store_text(api.rca.settings.raw_data_dir)) == []
