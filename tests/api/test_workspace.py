"""The web workspace (/ui) through the app, without a browser: sessions, CSRF, roles, the
incident list and declaring. The browser tier (tests/browser) does the same as a person."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from rcagraph.core import RcaGraph
from rcagraph.postmortem.common import SYSTEM, Role
from rcagraph.postmortem.incidents import SymptomIn
from rcagraph.postmortem.tokens import TokenStore
from rcagraph.workspace import create_app
from rcagraph.workspace.sessions import SESSION_COOKIE
from tests.api.seed import INCIDENT, T0, seed_hypotheses, seed_topology_and_events

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Ui:
    rca: RcaGraph
    tokens: dict[str, str]

    def client(self) -> TestClient:
        return TestClient(
            create_app(self.rca), base_url="http://127.0.0.1", raise_server_exceptions=False
        )

    def sign_in(self, client: TestClient, who: str) -> str:
        """Sign ``who`` in; the CSRF token of the session."""
        form = client.get("/ui/sign-in")
        nonce = CSRF.search(form.text)
        assert nonce is not None
        done = client.post(
            "/ui/sign-in",
            data={"token": self.tokens[who], "csrf": nonce.group(1), "next": "/ui/incidents"},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        page = client.get("/ui/incidents")
        assert page.status_code == 200
        csrf = CSRF.search(page.text)
        assert csrf is not None
        return csrf.group(1)


@pytest.fixture
def ui(rca: RcaGraph) -> Iterator[Ui]:
    store = TokenStore(rca.graph)
    every = ["*"]
    tokens = {
        "viewer": store.create("vera", Role.viewer, scopes=every),
        "responder": store.create("rui", Role.responder, team="web", scopes=every),
        "admin": store.create("ada", Role.admin),
    }
    yield Ui(rca, tokens)


def test_pages_need_a_session_and_send_to_the_sign_in_page(ui: Ui) -> None:
    with ui.client() as c:
        r = c.get("/ui/incidents?severity=SEV2", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == "/ui/sign-in?next=%2Fui%2Fincidents%3Fseverity%3DSEV2"
        # a cookie that names no session is no session
        c.cookies.set(SESSION_COOKIE, "forged", path="/ui")
        assert c.get("/ui/incidents", follow_redirects=False).status_code == 303


def test_the_session_cookie_is_httponly_strict_and_holds_no_token(ui: Ui) -> None:
    with ui.client() as c:
        form = c.get("/ui/sign-in")
        assert "samesite=strict" in form.headers["set-cookie"].lower()
        nonce = CSRF.search(form.text)
        assert nonce is not None
        r = c.post(
            "/ui/sign-in",
            data={"token": ui.tokens["viewer"], "csrf": nonce.group(1)},
            follow_redirects=False,
        )
        cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)]
        assert len(cookie) == 1
        attrs = cookie[0].lower()
        assert "httponly" in attrs and "samesite=strict" in attrs and "path=/ui" in attrs
        assert "secure" not in attrs  # plain HTTP on loopback (the test client's host)
        assert ui.tokens["viewer"] not in cookie[0]
        assert "default-src 'self'" in r.headers["content-security-policy"]


def test_sign_in_refuses_a_bad_token_and_a_form_without_its_csrf_cookie(ui: Ui) -> None:
    with ui.client() as c:
        form = c.get("/ui/sign-in")
        nonce = CSRF.search(form.text)
        assert nonce is not None
        bad = c.post("/ui/sign-in", data={"token": "rcg_nope", "csrf": nonce.group(1)})
        assert bad.status_code == 401 and "not valid" in bad.text
    with ui.client() as c:  # a cross-site form: no sign-in cookie
        r = c.post("/ui/sign-in", data={"token": ui.tokens["viewer"], "csrf": "x"})
        assert r.status_code == 403


def test_every_post_needs_the_sessions_csrf_token(ui: Ui) -> None:
    with ui.client() as c:
        csrf = ui.sign_in(c, "responder")
        body = {
            "id": "INC-9",
            "title": "t",
            "severity": "SEV3",
            "started_at": "2026-03-01T12:00",
        }
        assert c.post("/ui/incidents/declare", data=body).status_code == 403
        wrong = c.post("/ui/incidents/declare", data={**body, "csrf": csrf + "x"})
        assert wrong.status_code == 403 and "CSRF" in wrong.text
        assert c.post("/ui/sign-out", data={}).status_code == 403
        ok = c.post("/ui/incidents/declare", data={**body, "csrf": csrf}, follow_redirects=False)
        assert ok.status_code == 303
        assert ok.headers["location"] == "/ui/incidents/INC-9?scope=default"


def test_declaring_needs_a_responder(ui: Ui) -> None:
    with ui.client() as c:
        csrf = ui.sign_in(c, "viewer")
        page = c.get("/ui/incidents/declare")
        assert page.status_code == 403 and "responder" in page.text
        assert "Declare an incident" not in c.get("/ui/incidents").text
        r = c.post(
            "/ui/incidents/declare",
            data={
                "csrf": csrf,
                "id": "INC-9",
                "title": "t",
                "severity": "SEV3",
                "started_at": "2026-03-01T12:00",
            },
        )
        assert r.status_code == 403
    assert ui.rca.workflow.incidents.search() == []


def test_declare_validates_as_the_api_does(ui: Ui) -> None:
    with ui.client() as c:
        csrf = ui.sign_in(c, "responder")
        r = c.post(
            "/ui/incidents/declare",
            data={
                "csrf": csrf,
                "id": "bad id!",
                "title": "t",
                "severity": "SEV3",
                "started_at": "2026-03-01T12:00",
            },
        )
        assert r.status_code == 422 and "id" in r.text


def test_the_list_filters_and_pages_newest_first(ui: Ui) -> None:
    wf = ui.rca.workflow
    seed_topology_and_events(ui.rca.graph)
    for n in range(30):
        wf.incidents.declare(
            SYSTEM,
            id=f"INC-{n:02d}",
            title=f"incident {n}",
            severity="SEV2" if n % 2 else "SEV3",
            started_at=datetime.fromisoformat(f"2026-03-01T{n % 24:02d}:{n:02d}:00+00:00"),
        )
    with ui.client() as c:
        ui.sign_in(c, "viewer")
        first = c.get("/ui/incidents").text
        ids = re.findall(r">(INC-\d\d)</a>", first)
        assert len(ids) == 25 and 'rel="next"' in first
        second = c.get("/ui/incidents?page=2").text
        assert len(re.findall(r">(INC-\d\d)</a>", second)) == 5
        sev2 = c.get("/ui/incidents?severity=SEV2").text
        assert re.findall(r">(INC-\d\d)</a>", sev2) and "incident 2<" not in sev2
        bad = c.get("/ui/incidents?severity=SEV9")
        assert bad.status_code == 422
        since = c.get("/ui/incidents?since=2026-03-01T23:00").text
        assert re.findall(r">(INC-\d\d)</a>", since) == ["INC-23"]


def test_a_revoked_token_ends_its_session_and_sign_out_kills_the_cookie(ui: Ui) -> None:
    with ui.client() as c:
        csrf = ui.sign_in(c, "viewer")
        kept = c.cookies.get(SESSION_COOKIE)
        r = c.post("/ui/sign-out", data={"csrf": csrf}, follow_redirects=False)
        assert r.status_code == 303
        c.cookies.set(SESSION_COOKIE, kept or "", path="/ui")
        assert c.get("/ui/incidents", follow_redirects=False).status_code == 303
    with ui.client() as c:
        ui.sign_in(c, "viewer")
        ui.rca.workflow.tokens.revoke("vera", SYSTEM)
        assert c.get("/ui/incidents", follow_redirects=False).status_code == 303


def test_open_redirects_are_refused(ui: Ui) -> None:
    with ui.client() as c:
        form = c.get("/ui/sign-in?next=//evil.example/x")
        assert 'value="/ui/incidents"' in form.text


def _declare_seeded(rca: RcaGraph) -> dict[str, str]:
    seed_topology_and_events(rca.graph)
    rca.workflow.incidents.declare(
        SYSTEM,
        id=str(INCIDENT["id"]),
        title=str(INCIDENT["title"]),
        severity=str(INCIDENT["severity"]),
        started_at=T0,
        detected_at=T0 + timedelta(minutes=9),
        system="boutique",
        symptoms=[SymptomIn("frontend", "latency")],
    )
    return seed_hypotheses(rca.graph)


def test_the_incident_page_draws_the_timeline_and_subgraph(ui: Ui) -> None:
    _declare_seeded(ui.rca)
    with ui.client() as c:
        ui.sign_in(c, "viewer")
        page = c.get("/ui/incidents/INC-1?scope=default")
        assert page.status_code == 200, page.text
        html = page.text
        assert '<svg class="chart"' in html and '<svg class="graph"' in html
        assert "deployments.jsonl, line 1" in html  # the deploy's mark carries its source
        assert re.search(r'class="node[^"]*blamed[^"]*"[^>]*data-name="cartservice"', html)
        assert "blamed path frontend → checkoutservice → cartservice" in html
        assert "Confirm hypothesis 1" not in html  # a viewer judges nothing
        impact = c.get("/ui/incidents/INC-1/impact?scope=default&fragment=1")
        assert impact.status_code == 200 and "Affected services" in impact.text
        assert "<html" not in impact.text  # a fragment
        assert c.get("/ui/incidents/INC-404").status_code == 404


def test_verdicts_and_ranking_from_the_page_follow_the_owning_teams(ui: Ui) -> None:
    ids = _declare_seeded(ui.rca)
    ui.tokens["outsider"] = TokenStore(ui.rca.graph).create(
        "otto", Role.responder, team="search", scopes=["*"]
    )
    with ui.client() as c:
        csrf = ui.sign_in(c, "outsider")
        form = {"csrf": csrf, "hypothesis": ids["h1"], "incident": "INC-1", "verdict": "confirmed"}
        refused = c.post("/ui/hypotheses/verdict", data=form)
        assert refused.status_code == 403 and "belongs to the teams" in refused.text
    with ui.client() as c:
        csrf = ui.sign_in(c, "responder")
        form = {"csrf": csrf, "hypothesis": ids["h1"], "incident": "INC-1", "verdict": "confirmed"}
        done = c.post("/ui/hypotheses/verdict", data=form, follow_redirects=False)
        assert done.status_code == 303
        assert done.headers["location"] == "/ui/incidents/INC-1?scope=default#hypotheses"
        bad = c.post("/ui/hypotheses/verdict", data={**form, "verdict": "maybe"})
        assert bad.status_code == 422
    stored = {h.uid: h for h in ui.rca.workflow.hypotheses.for_incident("INC-1")}
    assert (stored[ids["h1"]].verdict, stored[ids["h1"]].verdict_by) == ("confirmed", "rui")


def test_the_timeline_route_answers_what_the_page_draws(ui: Ui) -> None:
    _declare_seeded(ui.rca)
    with TestClient(create_app(ui.rca), raise_server_exceptions=False) as c:
        h = {"Authorization": f"Bearer {ui.tokens['viewer']}"}
        r = c.get("/api/v1/incidents/INC-1/timeline", headers=h)
        assert r.status_code == 200, r.text
        body = r.json()
        deploy = [e for e in body["events"] if e["kind"] == "change"]
        assert [(e["subkind"], e["source"], e["source_ref"]) for e in deploy] == [
            ("deploy", "deployments.jsonl", "line 1")
        ]
        assert body["subgraph"]["path"] == ["frontend", "checkoutservice", "cartservice"]
        assert body["start"] == "2026-03-01T11:30:00Z"
        assert c.get("/api/v1/incidents/INC-1/timeline").status_code == 401


def test_cookies_are_secure_off_loopback(ui: Ui) -> None:
    with TestClient(create_app(ui.rca), base_url="http://rcagraph.example") as c:
        form = c.get("/ui/sign-in")
        assert "secure" in form.headers["set-cookie"].lower()
    never = ui.rca.settings.model_copy(update={"ui_cookie_secure": "never"})
    with TestClient(create_app(RcaGraph(ui.rca.driver, never)), base_url="http://x.example") as c:
        assert "secure" not in c.get("/ui/sign-in").headers["set-cookie"].lower()
