"""The post-mortem workflow through the API, against the real Neo4j."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.seed import INCIDENT, seed_hypotheses, seed_recurrence, seed_topology_and_events


def _declare(api: Api, **over: Any) -> dict[str, Any]:
    r = api.client.post("/api/v1/incidents", json=INCIDENT | over, headers=api.h("responder"))
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture
def seeded(api: Api) -> Api:
    seed_topology_and_events(api.rca.graph)
    _declare(api)
    seed_hypotheses(api.rca.graph)
    return api


def _create_pm(api: Api) -> dict[str, Any]:
    r = api.client.post(
        "/api/v1/postmortems", json={"incident_id": "INC-1"}, headers=api.h("responder")
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


# --- incidents ------------------------------------------------------------------------------


def test_incident_declare_update_list_filter(api: Api) -> None:
    inc = _declare(api)
    assert inc["status"] == "open" and inc["symptoms"][0]["service"] == "frontend"
    again = api.client.post("/api/v1/incidents", json=INCIDENT, headers=api.h("responder"))
    assert again.status_code == 409 and again.json()["error"]["type"] == "ConflictError"
    _declare(api, id="INC-2", severity="SEV4", system="other", symptoms=[])

    resolved = (datetime(2026, 3, 1, 13, 0, tzinfo=UTC)).isoformat()
    r = api.client.patch(
        "/api/v1/incidents/INC-1", json={"resolved_at": resolved}, headers=api.h("responder")
    )
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    bad = api.client.patch(
        "/api/v1/incidents/INC-1",
        json={"mitigated_at": "2026-02-01T00:00:00Z"},
        headers=api.h("responder"),
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "mitigated_at"

    def ids(**params: str) -> list[str]:
        r = api.client.get("/api/v1/incidents", params=params, headers=api.h("viewer"))
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()]

    assert sorted(ids()) == ["INC-1", "INC-2"]
    assert ids(severity="SEV2") == ["INC-1"]
    assert ids(status="resolved") == ["INC-1"]
    assert ids(system="other") == ["INC-2"]
    assert ids(service="frontend") == ["INC-1"]
    assert ids(since="2026-03-02T00:00:00Z") == []
    assert sorted(ids(until="2026-03-02T00:00:00Z")) == ["INC-1", "INC-2"]
    assert api.client.get("/api/v1/incidents/NOPE", headers=api.h("viewer")).status_code == 404
    nozone = api.client.get(
        "/api/v1/incidents", params={"since": "2026-03-01T00:00:00"}, headers=api.h("viewer")
    )
    assert nozone.status_code == 422


def test_hypotheses_and_verdict(seeded: Api) -> None:
    api = seeded
    r = api.client.get("/api/v1/incidents/INC-1/hypotheses", headers=api.h("viewer"))
    assert r.status_code == 200
    hyps = r.json()
    assert [h["rank"] for h in hyps] == [1, 2]
    assert hyps[0]["evidence"][0]["source"] == "metrics/m.csv"
    assert hyps[0]["evidence"][0]["node_label"] == "Anomaly"
    uid = hyps[0]["uid"]
    v = api.client.post(
        f"/api/v1/hypotheses/{uid}/verdict",
        json={"verdict": "confirmed"},
        headers=api.h("responder"),
    )
    assert v.status_code == 200, v.text
    assert v.json()["verdict"] == "confirmed" and v.json()["verdict_by"] == "rui"
    bad = api.client.post(
        f"/api/v1/hypotheses/{uid}/verdict", json={"verdict": "maybe"}, headers=api.h("responder")
    )
    assert bad.status_code == 422
    missing = api.client.post(
        "/api/v1/hypotheses/nope/verdict", json={"verdict": "refuted"}, headers=api.h("responder")
    )
    assert missing.status_code == 404
    audit = api.client.get(
        "/api/v1/audit", params={"target": uid}, headers=api.h("reviewer")
    ).json()
    assert audit[0]["action"] == "hypothesis.verdict" and '"confirmed"' in audit[0]["after"]


# --- post-mortem draft ----------------------------------------------------------------------


def test_draft_content_from_graph(seeded: Api) -> None:
    api = seeded
    pm = _create_pm(api)
    doc = pm["content"]
    assert pm["status"] == "draft" and pm["current_version"] == 1 and len(pm["digest"]) == 64
    kinds = [e["kind"] for e in doc["timeline"]]
    assert kinds.count("milestone") == 2 and kinds.count("anomaly") == 2 and "change" in kinds
    times = [e["at"] for e in doc["timeline"]]
    assert times == sorted(times)
    change = next(e for e in doc["timeline"] if e["kind"] == "change")
    assert change["source"] == "deployments.jsonl" and change["node_uid"].endswith("d-1")
    assert doc["impact"]["affected_services"] == ["frontend"]
    assert doc["impact"]["customer_facing_symptoms"][0]["service"] == "frontend"
    assert doc["impact"]["alert_fired_before_detection"] is False
    assert doc["hypotheses"][0]["change_id"] == "d-1"
    actions = {a["kind"]: a for a in doc["actions"]}
    assert set(actions) == {"rollback", "add_alert"}
    assert "Roll back deploy d-1 of cartservice to 1.9" in actions["rollback"]["title"]
    assert actions["rollback"]["owner"] == "payments"  # Team OWNS cartservice
    assert actions["add_alert"]["owner"] == "web"
    due = date.fromisoformat(actions["rollback"]["due"])
    assert due == (datetime.now(UTC) + timedelta(days=14)).date()  # SEV2 policy
    assert actions["rollback"]["success_criterion"]
    assert doc["lessons"] and doc["contributing_factors"]
    assert pm["blameless_findings"] == []

    md = api.client.get(
        "/api/v1/postmortems/PM-INC-1/export", params={"format": "md"}, headers=api.h("viewer")
    )
    assert md.status_code == 200 and md.text.startswith("# Post-mortem: INC-1")
    assert "## Timeline" in md.text and "deployments.jsonl line 1" in md.text
    js = api.client.get(
        "/api/v1/postmortems/PM-INC-1/export", params={"format": "json"}, headers=api.h("viewer")
    )
    assert js.json()["content"]["summary"] == doc["summary"]
    draft = api.client.get("/api/v1/incidents/INC-1/draft?format=md", headers=api.h("viewer"))
    assert draft.status_code == 200 and "## Actions" in draft.text
    dup = api.client.post(
        "/api/v1/postmortems", json={"incident_id": "INC-1"}, headers=api.h("responder")
    )
    assert dup.status_code == 409
    lst = api.client.get("/api/v1/postmortems", headers=api.h("viewer")).json()
    assert [p["id"] for p in lst] == ["PM-INC-1"]


# --- versions, gates, approvals -------------------------------------------------------------


def _edit(api: Api, who: str, base: int, **changes: Any) -> Any:
    return api.client.post(
        "/api/v1/postmortems/PM-INC-1/versions",
        json={"base_version": base, "changes": changes, "note": "edit"},
        headers=api.h(who),
    )


def test_versions_diff_conflict_and_blameless_findings(seeded: Api) -> None:
    api = seeded
    _create_pm(api)
    r = _edit(api, "responder", 1, summary="The outage was Bob's fault; a careless deploy.")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["current_version"] == 2
    rules = [(f["rule"], f["path"]) for f in body["blameless_findings"]]
    assert rules == [("fault", "/summary"), ("careless", "/summary")]
    assert body["content"]["summary"].startswith("The outage was Bob's fault")  # not changed
    stale = _edit(api, "responder2", 1, summary="other")
    assert stale.status_code == 409 and stale.json()["error"]["type"] == "ConflictError"
    bad_field = _edit(api, "responder", 2, incident={"id": "x"})
    assert bad_field.status_code == 422

    versions = api.client.get(
        "/api/v1/postmortems/PM-INC-1/versions", headers=api.h("viewer")
    ).json()
    assert [(v["number"], v["previous"]) for v in versions] == [(1, None), (2, 1)]
    assert versions[0]["digest"] != versions[1]["digest"]
    v1 = api.client.get("/api/v1/postmortems/PM-INC-1/versions/1", headers=api.h("viewer"))
    assert "Bob" not in v1.json()["content"]["summary"]  # v1 immutable
    d = api.client.get(
        "/api/v1/postmortems/PM-INC-1/diff", params={"a": 1, "b": 2}, headers=api.h("viewer")
    ).json()
    assert "+The outage was Bob's fault" in d["markdown_diff"]
    assert [f["path"] for f in d["fields"]] == ["/summary"]


def test_gates_self_approval_sev2_owner_and_published_read_only(seeded: Api) -> None:
    api = seeded
    _create_pm(api)
    pm = "/api/v1/postmortems/PM-INC-1"
    # out of order: approve / publish a draft
    r = api.client.post(f"{pm}/approve", json={"version": 1}, headers=api.h("reviewer"))
    assert r.status_code == 409 and r.json()["error"]["type"] == "WorkflowError"
    assert api.client.post(f"{pm}/publish", headers=api.h("reviewer")).status_code == 409
    assert api.client.post(f"{pm}/submit", headers=api.h("responder")).status_code == 200
    assert api.client.post(f"{pm}/submit", headers=api.h("responder")).status_code == 409
    assert api.client.post(f"{pm}/publish", headers=api.h("reviewer")).status_code == 409

    # the reviewer edits, then cannot approve their own version
    assert _edit(api, "reviewer", 1, lessons=["Staged rollouts help."]).status_code == 201
    own = api.client.post(f"{pm}/approve", json={"version": 2}, headers=api.h("reviewer"))
    assert own.status_code == 403 and own.json()["error"]["type"] == "PermissionDeniedError"
    stale = api.client.post(f"{pm}/approve", json={"version": 1}, headers=api.h("admin"))
    assert stale.status_code == 409

    # SEV2 needs an approval from the team owning cartservice (payments): admin is not it
    r = api.client.post(f"{pm}/approve", json={"version": 2}, headers=api.h("admin"))
    assert r.status_code == 200 and r.json()["status"] == "in_review"
    assert r.json()["approval"]["missing"] == [
        "a reviewer from the team owning the root-cause service"
    ]
    r = api.client.post(f"{pm}/approve", json={"version": 2}, headers=api.h("owner_reviewer"))
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text

    # an edit after approval resets approvals (back to review)
    r = _edit(api, "responder", 2, notes="clarified")
    assert r.json()["status"] == "in_review" and r.json()["approvals"] == []
    r = api.client.post(f"{pm}/approve", json={"version": 3}, headers=api.h("owner_reviewer"))
    assert r.json()["status"] == "approved"
    r = api.client.post(f"{pm}/publish", headers=api.h("reviewer"))
    assert r.status_code == 200 and r.json()["status"] == "published"

    ro = _edit(api, "responder", 3, notes="too late")
    assert ro.status_code == 409 and ro.json()["error"]["type"] == "WorkflowError"
    again = api.client.post(f"{pm}/approve", json={"version": 3}, headers=api.h("admin"))
    assert again.status_code == 409
    actions = [
        e["action"]
        for e in api.client.get(
            "/api/v1/audit", params={"actor": "olga"}, headers=api.h("admin")
        ).json()
    ]
    assert actions.count("postmortem.approve") == 2 and "postmortem.approved" in actions


def test_sev1_needs_two_reviewers(api: Api) -> None:
    seed_topology_and_events(api.rca.graph)
    _declare(api, severity="SEV1")
    seed_hypotheses(api.rca.graph)
    _create_pm(api)
    pm = "/api/v1/postmortems/PM-INC-1"
    api.client.post(f"{pm}/submit", headers=api.h("responder"))
    r = api.client.post(f"{pm}/approve", json={"version": 1}, headers=api.h("owner_reviewer"))
    assert r.json()["status"] == "in_review"
    assert r.json()["approval"]["missing"] == ["1 more reviewer(s)"]
    dup = api.client.post(f"{pm}/approve", json={"version": 1}, headers=api.h("owner_reviewer"))
    assert dup.status_code == 409
    r = api.client.post(f"{pm}/approve", json={"version": 1}, headers=api.h("reviewer"))
    assert r.json()["status"] == "approved"


# --- actions and verification ---------------------------------------------------------------


def test_actions_overdue_and_transitions(seeded: Api) -> None:
    api = seeded
    _create_pm(api)
    pm = "/api/v1/postmortems/PM-INC-1"
    r = api.client.post(
        f"{pm}/actions",
        json={
            "title": "Add a canary stage",
            "owner": "payments",
            "due": "2026-01-01",
            "success_criterion": "canary blocks a bad deploy in a drill",
            "ticket_url": "https://tickets.example/PAY-1",
        },
        headers=api.h("responder"),
    )
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert aid == "PM-INC-1-A3"
    overdue = api.client.get(
        "/api/v1/actions", params={"overdue": "true"}, headers=api.h("viewer")
    ).json()
    assert [a["id"] for a in overdue] == [aid]
    bad = api.client.patch(
        f"/api/v1/actions/{aid}", json={"status": "verified"}, headers=api.h("responder")
    )
    assert bad.status_code == 409
    ok = api.client.patch(
        f"/api/v1/actions/{aid}", json={"status": "in_progress"}, headers=api.h("responder")
    )
    assert ok.json()["status"] == "in_progress"
    done = api.client.patch(
        f"/api/v1/actions/{aid}", json={"status": "done"}, headers=api.h("responder")
    )
    assert done.json()["status"] == "done" and done.json()["done_at"]
    assert (
        api.client.get(
            "/api/v1/actions", params={"overdue": "true"}, headers=api.h("viewer")
        ).json()
        == []
    )
    back = api.client.patch(
        f"/api/v1/actions/{aid}", json={"status": "open"}, headers=api.h("responder")
    )
    assert back.status_code == 409
    assert len(api.client.get(f"{pm}/actions", headers=api.h("viewer")).json()) == 3
    assert api.client.get(f"/api/v1/actions/{aid}", headers=api.h("viewer")).json()["ticket_url"]


def test_verify_flags_regression_and_reopens(seeded: Api) -> None:
    api = seeded
    _create_pm(api)
    pm = "/api/v1/postmortems/PM-INC-1"
    early = api.client.post(f"{pm}/verify", headers=api.h("responder"))
    assert early.status_code == 409  # actions not done yet
    actions = api.client.get(f"{pm}/actions", headers=api.h("viewer")).json()
    for a in actions:
        r = api.client.patch(
            f"/api/v1/actions/{a['id']}", json={"status": "done"}, headers=api.h("responder")
        )
        assert r.status_code == 200
    clean = api.client.post(f"{pm}/verify", headers=api.h("responder")).json()
    assert clean["regressed"] is False and sorted(clean["verified"]) == sorted(
        a["id"] for a in actions
    )
    assert {
        "service": "cartservice",
        "kind": "anomaly",
        "metric": "error_ratio",
        "direction": "up",
        "template_id": None,
    } in clean["signature"]

    seed_recurrence(api.rca.graph, datetime.now(UTC) + timedelta(minutes=1))
    res = api.client.post(f"{pm}/verify", headers=api.h("responder")).json()
    assert res["regressed"] is True
    assert res["recurrences"][0]["service"] == "cartservice"
    rollback = next(a["id"] for a in actions if a["kind"] == "rollback")
    assert res["reopened"] == [rollback]
    status = api.client.get(f"/api/v1/actions/{rollback}", headers=api.h("viewer")).json()
    assert status["status"] == "reopened"
    hist = api.client.get(f"{pm}/verifications", headers=api.h("viewer")).json()
    assert [v["regressed"] for v in hist] == [False, True]


# --- KPIs, audit, tokens, roles -------------------------------------------------------------


def test_kpis(seeded: Api) -> None:
    api = seeded
    api.client.patch(
        "/api/v1/incidents/INC-1",
        json={"resolved_at": "2026-03-01T13:00:00Z"},
        headers=api.h("responder"),
    )
    _create_pm(api)
    rows = api.client.get("/api/v1/kpis", headers=api.h("viewer")).json()
    assert len(rows) == 1
    k = rows[0]
    assert k["incidents"] == 1 and k["mttd_minutes"] == 9.0 and k["mttr_minutes"] == 60.0
    assert k["actions"] == 2 and k["overdue_share"] == 0.0
    assert k["time_to_first_action_minutes"] > 0
    by_team = api.client.get(
        "/api/v1/kpis", params={"group_by": "team"}, headers=api.h("viewer")
    ).json()
    assert [r["group"] for r in by_team] == ["web"]
    by_month = api.client.get(
        "/api/v1/kpis", params={"group_by": "month"}, headers=api.h("viewer")
    ).json()
    assert by_month[0]["group"] == "2026-03"


def test_tokens_and_roles(api: Api) -> None:
    c = api.client
    assert c.get("/api/v1/incidents").status_code == 401
    assert c.get("/api/v1/incidents", headers={"Authorization": "Bearer nope"}).status_code == 401
    refused = [
        ("viewer", "post", "/api/v1/incidents", INCIDENT),
        ("viewer", "post", "/api/v1/postmortems", {"incident_id": "INC-1"}),
        ("viewer", "patch", "/api/v1/actions/X", {"status": "done"}),
        ("viewer", "post", "/api/v1/ingest/alertmanager", {}),
        ("responder", "post", "/api/v1/postmortems/PM-INC-1/approve", {"version": 1}),
        ("responder", "post", "/api/v1/postmortems/PM-INC-1/publish", None),
        ("responder", "get", "/api/v1/audit", None),
        ("reviewer", "post", "/api/v1/tokens", {"name": "x", "role": "admin"}),
        ("reviewer", "get", "/api/v1/tokens", None),
    ]
    for who, method, path, body in refused:
        r = c.request(method.upper(), path, json=body, headers=api.h(who))
        assert r.status_code == 403, (who, path, r.text)
        assert r.json()["error"]["type"] == "PermissionDeniedError"
    made = c.post(
        "/api/v1/tokens", json={"name": "newbie", "role": "viewer"}, headers=api.h("admin")
    )
    assert made.status_code == 201
    token = made.json()["token"]
    assert (
        c.get("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    listed = c.get("/api/v1/tokens", headers=api.h("admin")).json()
    assert "newbie" in [t["name"] for t in listed]
    assert all("token" not in t and "token_hash" not in t for t in listed)


def test_health_ready_metrics_openapi(api: Api) -> None:
    c = api.client
    assert c.get("/healthz").json() == {"status": "ok"}
    ready = c.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["neo4j"] == "ok"
    c.get("/api/v1/incidents", headers=api.h("viewer"))
    metrics = c.get("/metrics").text
    assert (
        'rcagraph_http_requests_total{method="GET",route="/api/v1/incidents",status="200"}'
        in metrics
    )
    spec = c.get("/openapi.json").json()
    assert "/api/v1/postmortems/{pm_id}/approve" in spec["paths"]
    assert "/v1/logs" in spec["paths"]


def test_bootstrap_admin_token(rca: Any) -> None:
    from fastapi.testclient import TestClient
    from pydantic import SecretStr

    from rcagraph.api import create_app

    settings = rca.settings.model_copy(update={"bootstrap_admin_token": SecretStr("boot-secret-1")})
    from rcagraph.core import RcaGraph

    core = RcaGraph(rca.driver, settings)
    with TestClient(create_app(core)) as c:
        r = c.get("/api/v1/tokens", headers={"Authorization": "Bearer boot-secret-1"})
        assert r.status_code == 200 and r.json()[0]["role"] == "admin"
    create_app(core)  # a second start creates no second admin token
    from rcagraph.postmortem.tokens import TokenStore

    assert [t["name"] for t in TokenStore(rca.graph).all()] == ["bootstrap-admin"]
