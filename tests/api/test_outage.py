"""A Neo4j outage under concurrent writers, through the API (issue 13, item 6).

The managed Neo4j of this test is its own (server name ``<test server>-fault``), so killing it
does not touch the shared test server. Writers declare incidents (the incident, its symptom edge
and its audit entry: one unit) and deliver Alertmanager payloads (the alert, its
``OBSERVED_ON`` edge and the receiver's audit entry: one unit) while the server is killed with
SIGKILL and started again. Afterwards: every acknowledged declaration and delivery is in the
graph with its edge and its audit entry, every refused one was a 503 with ``Retry-After``
answered within a few seconds, and no partial write remains (no incident or alert without its
entry or edge, no entry without its data).

The fault server runs with HotSpot's C1 compiler only and without its HTTP connector (Bolt is
all the test uses): it starts in about a third of the CPU time, which is most of this test's
duration on a busy machine. Neither changes what is proved: durability across SIGKILL is the
store's and the transaction log's, not the JIT's.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rcagraph.api import create_app
from rcagraph.audited_loads import delivery_target
from rcagraph.core import RcaGraph
from rcagraph.errors import RcaGraphError
from rcagraph.graph import DriverTimeouts, Query, connect
from rcagraph.loaders.receivers import ENDPOINTS, canonical_json, delivery_id
from rcagraph.postmortem.common import Role
from rcagraph.server.config import JVM_OPTIONS, render_conf
from rcagraph.server.manager import LocalServer
from rcagraph.settings import Settings
from tests.api.seed import INCIDENT

#: writers of each kind: incident declarations and Alertmanager deliveries
WRITERS = 2
#: how long a refused request may take (driver timeouts: connect 2 s + retry 1 s)
REFUSAL_S = 6.0

_INCIDENTS = Query(
    "tests.outage_incidents",
    "MATCH (i:Incident) RETURN i.id AS id, i.uid AS uid, "
    "EXISTS { (i)-[:HAS_SYMPTOM]->(:Component) } AS edge",
)
_DECLARED = Query(
    "tests.outage_declared",
    "MATCH (e:AuditEntry {action: 'incident.declare'}) RETURN e.target AS target",
)
_ALERTS = Query(
    "tests.outage_alerts",
    "MATCH (a:Alert) RETURN a.fingerprint AS fp, "
    "EXISTS { (a)-[:OBSERVED_ON]->(:Component) } AS edge",
)
_DELIVERED = Query(
    "tests.outage_delivered",
    "MATCH (e:AuditEntry {action: 'ingest.alertmanager'}) RETURN e.target AS target",
)


def _alert_payload(fp: str) -> dict[str, object]:
    return {
        "version": "4",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "HighLatency", "service": "frontend"},
                "startsAt": "2026-03-01T12:05:00Z",
                "fingerprint": fp,
            }
        ],
    }


def _delivery_target(fp: str) -> str:
    """The audit target the delivery of ``fp``'s payload gets (rcagraph.audited_loads)."""
    did = delivery_id(canonical_json(_alert_payload(fp)))
    return delivery_target("default", f"{ENDPOINTS['alertmanager']} {did}")


@dataclass
class Answer:
    id: str
    status: int
    seconds: float
    retry_after: str | None


@pytest.fixture
def fault_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LocalServer, Settings]]:
    monkeypatch.setattr(
        "rcagraph.server.manager.render_conf",
        lambda **kw: render_conf(**kw).replace(
            "server.http.enabled=true", "server.http.enabled=false"
        ),
    )
    monkeypatch.setattr(
        "rcagraph.server.manager.JVM_OPTIONS", (*JVM_OPTIONS, "-XX:TieredStopAtLevel=1")
    )
    name = os.environ.get("RCAGRAPH_TEST_SERVER", "pytest") + "-fault"
    settings = Settings(
        server_name=name,
        data_dir=tmp_path / "data",
        neo4j_uri="",
        heap_size="512m",
        pagecache_size="64m",
    )
    server = LocalServer(settings)
    try:
        state, _ = server.start()
    except RcaGraphError as exc:
        pytest.skip(f"no Neo4j for the fault test: {exc}")
    # the store, configuration and logs are not readable by other local users (item 8):
    # no folder or file of the server (its console log included) grants group or others
    for sub in ("", "conf", "data", "logs"):
        assert (server.dir / sub).stat().st_mode & 0o077 == 0, sub
    shared = [
        f"{oct(p.stat().st_mode & 0o777)} {p.relative_to(server.dir)}"
        for p in [server.dir, *server.dir.rglob("*")]
        if not p.is_symlink() and p.stat().st_mode & 0o077
    ]
    assert shared == [], shared
    # restart on the same ports, so the driver finds the server again
    pinned = settings.model_copy(
        update={"bolt_port": state.bolt_port, "http_port": state.http_port}
    )
    pinned.model_fields_set.update({"bolt_port", "http_port"})
    try:
        yield LocalServer(pinned), pinned
    finally:
        LocalServer(pinned).stop()


def test_kill_9_under_concurrent_writers(fault_server: tuple[LocalServer, Settings]) -> None:
    server, settings = fault_server
    state = server.running_state()
    assert state is not None
    driver = connect(state.bolt_uri, state.user, state.password, DriverTimeouts())
    try:
        rca = RcaGraph(driver, settings)
        rca.apply_schema()
        rca.graph.run_autocommit(
            Query(
                "tests.outage_wipe",
                "MATCH (n) WHERE NOT n:SchemaMigration "
                "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
            )
        )
        token = rca.workflow.tokens.create("writer", Role.admin)
        app = create_app(rca)
        answers: list[Answer] = []
        lock = threading.Lock()
        stop = threading.Event()

        alert_answers: list[Answer] = []

        def writer(w: int, alerts: bool) -> None:
            client = TestClient(app, raise_server_exceptions=False)
            headers = {"Authorization": f"Bearer {token}"}
            i = 0
            while not stop.is_set():
                i += 1
                key = f"{'FP' if alerts else 'INC'}-W{w}-{i}"
                t0 = time.monotonic()
                if alerts:
                    r = client.post(
                        "/api/v1/ingest/alertmanager", json=_alert_payload(key), headers=headers
                    )
                else:
                    r = client.post(
                        "/api/v1/incidents", json=INCIDENT | {"id": key}, headers=headers
                    )
                answer = Answer(
                    key, r.status_code, time.monotonic() - t0, r.headers.get("retry-after")
                )
                with lock:
                    (alert_answers if alerts else answers).append(answer)

        threads = [
            threading.Thread(target=writer, args=(w, alerts))
            for w in range(WRITERS)
            for alerts in (False, True)
        ]
        for t in threads:
            t.start()
        time.sleep(1.0)
        os.killpg(state.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        time.sleep(2.0)  # writers meet the outage
        probe = TestClient(app, raise_server_exceptions=False)
        t0 = time.monotonic()
        r = probe.get("/readyz")
        readyz_s = time.monotonic() - t0
        assert r.status_code == 503 and r.headers.get("retry-after")
        assert "bolt://" not in r.text and "127.0.0.1" not in r.text and "query" not in r.text
        server.start()
        restarted_at = time.monotonic()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with lock:
                late_ok = [a for a in answers[-WRITERS * 4 :] if a.status == 201]
                late_alerts = [a for a in alert_answers[-WRITERS * 4 :] if a.status == 200]
            if late_ok and late_alerts and time.monotonic() - restarted_at > 1:
                break
            time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(timeout=30)

        statuses = {a.status for a in answers}
        assert statuses <= {201, 503}, statuses
        refused = [a for a in answers if a.status == 503]
        acknowledged = {a.id for a in answers if a.status == 201}
        assert refused, "no request met the outage"
        assert acknowledged, "no request was acknowledged"
        assert all(a.retry_after for a in refused)
        slowest = max(a.seconds for a in refused)
        assert slowest < REFUSAL_S, f"a refusal took {slowest:.1f} s"
        assert readyz_s < REFUSAL_S, f"/readyz took {readyz_s:.1f} s"
        assert restarted_at > killed_at

        rows = rca.graph.read(_INCIDENTS)
        in_graph = {r["id"] for r in rows}
        missing = acknowledged - in_graph
        assert missing == set(), f"acknowledged but lost: {sorted(missing)[:5]}"
        assert all(r["edge"] for r in rows), "an incident without its symptom edge"
        audited = {r["target"] for r in rca.graph.read(_DECLARED)}
        uids = {r["uid"] for r in rows}
        assert uids == audited, (
            f"partial writes: {sorted(uids ^ audited)[:5]} (incident xor audit entry)"
        )

        # the receiver's deliveries: the same, with the alert, its edge and its entry
        assert {a.status for a in alert_answers} <= {200, 503}, alert_answers
        refused_alerts = [a for a in alert_answers if a.status == 503]
        delivered = {a.id for a in alert_answers if a.status == 200}
        assert refused_alerts and delivered
        assert all(a.retry_after for a in refused_alerts)
        assert max(a.seconds for a in refused_alerts) < REFUSAL_S
        alerts = rca.graph.read(_ALERTS)
        stored = {r["fp"] for r in alerts}
        assert delivered - stored == set(), f"acknowledged but lost: {sorted(delivered - stored)}"
        assert all(r["edge"] for r in alerts), "an alert without its OBSERVED_ON edge"
        entries = {r["target"] for r in rca.graph.read(_DELIVERED)}
        assert all(_delivery_target(fp) in entries for fp in delivered), "acknowledged, no entry"
        expected = {_delivery_target(fp) for fp in stored}
        assert entries == expected, (
            f"partial writes: {sorted(entries ^ expected)[:5]} (alert xor audit entry)"
        )
    finally:
        driver.close()
