"""The rank endpoint runs the real engine on a loaded bundle; the draft builds on its answer."""

from __future__ import annotations

from pathlib import Path

from rcagraph.postmortem.common import Role
from rcagraph.postmortem.tokens import TokenStore
from tests.api.conftest import Api

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bundles" / "checkout-latency"


def test_rank_then_verdict_then_draft(api: Api) -> None:
    api.rca.load_bundle(EXAMPLE, scope="demo")
    refused = api.client.post("/api/v1/incidents/INC-1042/rank", headers=api.h("viewer"))
    assert refused.status_code == 403
    other_team = api.client.post(
        "/api/v1/incidents/INC-1042/rank", params={"scope": "demo"}, headers=api.h("responder")
    )
    assert other_team.status_code == 403 and "web-team" in other_team.json()["error"]["message"]
    token = TokenStore(api.rca.graph).create(
        "wendy", Role.responder, team="web-team", scopes=["demo"]
    )
    api.tokens["web_team"] = token
    ranked = api.client.post(
        "/api/v1/incidents/INC-1042/rank", params={"scope": "demo"}, headers=api.h("web_team")
    )
    assert ranked.status_code == 200, ranked.text
    top = ranked.json()[0]
    assert (top["rank"], top["kind"], top["service"]) == (1, "deploy", "cartservice")
    assert top["evidence"] and all(e["source"] for e in top["evidence"])
    read = api.client.get(
        "/api/v1/incidents/INC-1042/hypotheses", params={"scope": "demo"}, headers=api.h("viewer")
    )
    assert read.status_code == 200
    assert [h["uid"] for h in read.json()] == [h["uid"] for h in ranked.json()]
    verdict = api.client.post(
        f"/api/v1/hypotheses/{top['uid']}/verdict",
        json={"verdict": "confirmed"},
        headers=api.h("web_team"),
    )
    assert verdict.status_code == 200, verdict.text
    draft = api.client.get(
        "/api/v1/incidents/INC-1042/draft",
        params={"scope": "demo", "format": "md"},
        headers=api.h("viewer"),
    )
    assert draft.status_code == 200, draft.text
    assert "cartservice" in draft.text and "Roll back" in draft.text
