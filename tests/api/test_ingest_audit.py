"""A receiver's records, their edges and its audit entry are one unit (issue 13, item 6), against
the real app and Neo4j: when the entry cannot be written nothing of the payload stays; a
driver's retry of the unit loads it once with one entry and a report of one attempt; the same
delivery twice is one entry. A bundle upload is bracketed: ``ingest.bundle.begin`` commits
before its first write, ``ingest.bundle`` with its ``:Load`` record."""

from __future__ import annotations

import io
import json
import tarfile
from typing import Any

import pytest
from neo4j import exceptions as neo4j_exc

import rcagraph.loaders.queries as lq
import rcagraph.postmortem.queries as pq
from rcagraph.graph import Query, Tx
from rcagraph.postmortem.audit import AuditTrail
from tests.api.conftest import Api

ALERTS = Query(
    "t.ingest_audit_alerts",
    "MATCH (a:Alert) RETURN a.fingerprint AS fp, "
    "EXISTS { (a)-[:OBSERVED_ON]->(:Component) } AS edge ORDER BY fp",
)
ENTRIES = Query(
    "t.ingest_audit_entries",
    "MATCH (e:AuditEntry) WHERE e.action STARTS WITH 'ingest.' "
    "RETURN e.action AS action, e.target AS target, e.after AS after, e.actor AS actor "
    "ORDER BY e.action",
)
INCIDENTS = Query("t.ingest_audit_incidents", "MATCH (i:Incident) RETURN i.id AS id")
BROKEN = Query("t.broken_write", "UNWIND [1, 0] AS x RETURN 1 / x AS boom")


def _alerts(*fingerprints: str, bad: bool = False) -> dict[str, Any]:
    alerts: list[dict[str, Any]] = [
        {
            "status": "firing",
            "labels": {"alertname": "HighLatency", "service": "frontend"},
            "startsAt": "2026-03-01T12:05:00Z",
            "fingerprint": fp,
        }
        for fp in fingerprints
    ]
    if bad:
        alerts.append({"labels": {"alertname": "x"}, "startsAt": "not a time"})
    return {"version": "4", "status": "firing", "alerts": alerts}


def test_no_data_stays_when_its_audit_entry_cannot_be_written(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pq, "AUDIT_APPEND", BROKEN)
    r = api.client.post(
        "/api/v1/ingest/alertmanager", json=_alerts("fp-a"), headers=api.h("responder")
    )
    assert r.status_code >= 500
    assert api.rca.graph.read(ALERTS) == []  # the alert was rolled back with its entry
    assert api.rca.graph.read(ENTRIES) == []


def test_a_driver_retry_loads_once_with_one_entry(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_append = AuditTrail.append

    def flaky(self: AuditTrail, tx: Tx, *args: Any, **kwargs: Any) -> None:
        calls.append(args[1])
        real_append(self, tx, *args, **kwargs)
        if len(calls) == 1:  # the server lost after the unit's last write: the driver retries
            raise neo4j_exc.SessionExpired("lost")

    monkeypatch.setattr(AuditTrail, "append", flaky)
    r = api.client.post(
        "/api/v1/ingest/alertmanager",
        json=_alerts("fp-b", "fp-c", bad=True),
        headers=api.h("responder"),
    )
    assert r.status_code == 200, r.text
    assert len(calls) == 2  # retried
    report = r.json()
    assert report["kinds"]["alert"]["loaded"] == 2 and report["rejected"] == 1
    assert api.rca.graph.read(ALERTS) == [
        {"fp": "fp-b", "edge": True},
        {"fp": "fp-c", "edge": True},
    ]
    entries = api.rca.graph.read(ENTRIES)
    assert [e["action"] for e in entries] == ["ingest.alertmanager"]
    assert entries[0]["target"].startswith("default|Delivery|POST /api/v1/ingest/alertmanager")
    assert json.loads(entries[0]["after"])["kinds"]["alert"]["loaded"] == 2


def test_the_same_delivery_twice_is_one_entry_in_its_scope(api: Api) -> None:
    for _ in range(2):
        r = api.client.post(
            "/api/v1/ingest/alertmanager", json=_alerts("fp-d"), headers=api.h("responder")
        )
        assert r.status_code == 200, r.text
    other = api.client.post(
        "/api/v1/ingest/alertmanager", json=_alerts("fp-e"), headers=api.h("responder")
    )
    assert other.status_code == 200
    entries = api.rca.graph.read(ENTRIES)
    assert len(entries) == 2 and len({e["target"] for e in entries}) == 2
    # the entries are in the delivery's scope: a reviewer of that scope reads them
    audit = api.client.get(
        "/api/v1/audit", params={"action": "ingest.alertmanager"}, headers=api.h("admin")
    ).json()
    assert {a["target"].split("|")[0] for a in audit} == {"default"}


def _bundle(incident_id: str) -> bytes:
    incident = {
        "id": incident_id,
        "title": "t",
        "severity": "SEV3",
        "started_at": "2026-03-01T12:04:00Z",
        "symptoms": [{"service": "frontend", "signal": "latency"}],
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        data = json.dumps(incident).encode()
        info = tarfile.TarInfo("b/incident.json")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _upload(api: Api, archive: bytes) -> Any:
    return api.client.post(
        "/api/v1/ingest/bundle",
        content=archive,
        headers=api.h("responder") | {"Content-Type": "application/gzip"},
    )


def test_a_bundle_is_bracketed_by_its_entries(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = _bundle("INC-AU1")
    for _ in range(2):
        assert _upload(api, archive).status_code == 200
    actions = [e["action"] for e in api.rca.graph.read(ENTRIES)]
    assert actions == ["ingest.bundle", "ingest.bundle.begin"]  # the same archive twice: once
    # the last write lost: the data that loaded have the entry that says the upload began,
    # and no entry says it finished
    monkeypatch.setattr(lq, "LOAD_RECORD", BROKEN)
    assert _upload(api, _bundle("INC-AU2")).status_code >= 500
    assert {r["id"] for r in api.rca.graph.read(INCIDENTS)} == {"INC-AU1", "INC-AU2"}
    entries = api.rca.graph.read(ENTRIES)
    assert [e["action"] for e in entries] == [
        "ingest.bundle",
        "ingest.bundle.begin",
        "ingest.bundle.begin",
    ]
