"""A Neo4j outage under concurrent writers, through the API (issue 13, item 6).

The managed Neo4j of this test is its own (server name ``<test server>-fault``), so killing it
does not touch the shared test server. Writers declare incidents (the incident, its symptom edge
and its audit entry: one unit) while the server is killed with SIGKILL and started again.
Afterwards: every acknowledged declaration is in the graph with its edge and its audit entry,
every refused one was a 503 with ``Retry-After`` answered within a few seconds, and no partial
write remains (no incident without its entry or edge, no entry without its incident).
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
from rcagraph.core import RcaGraph
from rcagraph.errors import RcaGraphError
from rcagraph.graph import DriverTimeouts, Query, connect
from rcagraph.postmortem.common import Role
from rcagraph.server.manager import LocalServer
from rcagraph.settings import Settings
from tests.api.seed import INCIDENT

WRITERS = 4
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


@dataclass
class Answer:
    id: str
    status: int
    seconds: float
    retry_after: str | None


@pytest.fixture
def fault_server(tmp_path: Path) -> Iterator[tuple[LocalServer, Settings]]:
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
    # the store, configuration and logs are not readable by other local users (item 8)
    for sub in ("", "conf", "data", "logs"):
        assert (server.dir / sub).stat().st_mode & 0o077 == 0, sub
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

        def writer(w: int) -> None:
            client = TestClient(app, raise_server_exceptions=False)
            headers = {"Authorization": f"Bearer {token}"}
            i = 0
            while not stop.is_set():
                i += 1
                inc_id = f"INC-W{w}-{i}"
                t0 = time.monotonic()
                r = client.post(
                    "/api/v1/incidents", json=INCIDENT | {"id": inc_id}, headers=headers
                )
                with lock:
                    answers.append(
                        Answer(
                            inc_id,
                            r.status_code,
                            time.monotonic() - t0,
                            r.headers.get("retry-after"),
                        )
                    )

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
        for t in threads:
            t.start()
        time.sleep(2.0)
        os.killpg(state.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        time.sleep(3.0)  # writers meet the outage
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
            if late_ok and time.monotonic() - restarted_at > 2:
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
    finally:
        driver.close()
