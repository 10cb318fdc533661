"""The web workspace in Chromium, as a person uses it: sign in, look at the demo incident,
judge its hypotheses, declare an incident, sign out; refused where the role is too low, the
session is over or the form did not come from the workspace."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from rcagraph.postmortem.common import SYSTEM, Role
from tests.browser.conftest import DEMO_INCIDENT, SCOPE, Shoot, Workspace, sign_in

INCIDENT_PAGE = f"/ui/incidents/{DEMO_INCIDENT}?scope={SCOPE}"


def test_sign_in_shows_the_incident_list(page: Page, workspace: Workspace, shoot: Shoot) -> None:
    page.goto("/ui/incidents")
    expect(page).to_have_url(re.compile(r"/ui/sign-in\?next="))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shoot(page, "sign-in")
    page.get_by_label("API token").fill("rcg_not-a-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    sign_in(page, workspace.tokens["viewer"])
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
    expect(page.get_by_role("link", name=DEMO_INCIDENT)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Incidents")
    # a viewer gets no declare button
    expect(page.get_by_role("link", name="Declare an incident")).to_have_count(0)
    page.get_by_label("Severity").select_option("SEV2")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"severity=SEV2"))
    expect(page.get_by_role("link", name=DEMO_INCIDENT)).to_be_visible()
    page.get_by_label("Severity").select_option("SEV1")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No incident matches.")).to_be_visible()
    page.goto("/ui/incidents")
    shoot(page, "incidents")


def test_a_viewer_is_refused_what_needs_a_responder(page: Page, workspace: Workspace) -> None:
    sign_in(page, workspace.tokens["viewer"], "/ui/incidents/declare")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("needs responder")
    page.goto(INCIDENT_PAGE)
    expect(page.get_by_role("heading", name=re.compile(DEMO_INCIDENT))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Confirm"))).to_have_count(0)
    expect(page.get_by_role("button", name="Re-rank")).to_have_count(0)


def test_the_demo_incident_shows_its_chart_subgraph_and_evidence(
    page: Page, workspace: Workspace, shoot: Shoot
) -> None:
    sign_in(page, workspace.tokens["responder"], INCIDENT_PAGE)
    chart = page.locator("svg.chart")
    expect(chart).to_be_visible()
    assert chart.locator("polyline").count() >= 2  # the symptom's and candidates' series
    deploy = chart.locator("g.mark[aria-label^='deploy']").first
    expect(deploy).to_be_visible()
    deploy.hover()
    expect(page.locator("#timeline .detail")).to_contain_text("deployments.jsonl")
    page.keyboard.press("Tab")  # the next mark, reached by keyboard, shows its details too
    expect(page.locator("#timeline .detail")).to_contain_text("source:")
    assert chart.locator("rect.alert-band").count() >= 1
    assert chart.locator("circle.anomaly-mark").count() >= 1
    graph = page.locator("svg.graph")
    expect(graph).to_be_visible()
    expect(graph.locator("g.node.symptom[data-name='frontend']")).to_have_count(1)
    expect(graph.locator("g.node.blamed[data-name='cartservice']")).to_have_count(1)
    assert graph.locator("line.edge.path").count() >= 1
    assert graph.locator("g.node.anomalous").count() >= 2
    expect(page.locator("#impact")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#impact")).to_contain_text("Affected services")
    first = page.locator("article.hyp").first
    expect(first).to_contain_text("cartservice")
    expect(first).to_contain_text("confidence")
    link = first.locator("a.evidence-link").first
    target = link.get_attribute("href")
    assert target is not None and target.startswith("#ev-")
    link.click()
    expect(page.locator(target)).to_be_visible()  # the record's row, its details opened
    expect(page.locator(target)).to_contain_text(re.compile(r"\.(json|csv|jsonl)"))  # its source
    page.goto(INCIDENT_PAGE)
    expect(page.locator("#impact")).to_have_attribute("aria-busy", "false")
    shoot(page, "incident")


def test_confirm_a_hypothesis_then_re_rank(page: Page, workspace: Workspace) -> None:
    wf = workspace.rca.workflow
    sign_in(page, workspace.tokens["responder"], INCIDENT_PAGE)
    before = wf.hypotheses.for_incident(DEMO_INCIDENT, SCOPE)
    page.get_by_role("button", name="Confirm hypothesis 1").click()
    first = page.locator("article.hyp").first
    expect(first).to_contain_text("confirmed by ria")
    expect(page.get_by_role("button", name="Confirm hypothesis 1")).to_be_disabled()
    stored = wf.hypotheses.for_incident(DEMO_INCIDENT, SCOPE)
    assert stored[0].uid == before[0].uid
    assert (stored[0].verdict, stored[0].verdict_by) == ("confirmed", "ria")
    page.get_by_role("button", name="Re-rank").click()
    expect(page.locator("article.hyp").first).not_to_contain_text("confirmed by")
    after = wf.hypotheses.for_incident(DEMO_INCIDENT, SCOPE)
    assert after[0].run_id != before[0].run_id  # a new ranking run was written


def test_declare_an_incident(page: Page, workspace: Workspace, shoot: Shoot) -> None:
    sign_in(page, workspace.tokens["responder"])
    page.get_by_role("link", name="Declare an incident").click()
    page.get_by_label("Incident id").fill("INC-2001")
    page.get_by_label("Title").fill("Payment errors after the flag change")
    page.get_by_label("Severity").select_option("SEV2")
    page.get_by_label("Started at (UTC)").fill("2026-03-02T09:15")
    page.get_by_label("Symptom service (optional)").fill("frontend")
    page.get_by_label("Symptom signal").select_option("errors")
    shoot(page, "declare")
    page.get_by_role("button", name="Declare").click()
    expect(page).to_have_url(re.compile(r"/ui/incidents/INC-2001\?scope=default"))
    expect(page.get_by_role("heading", name=re.compile("INC-2001"))).to_be_visible()
    expect(page.get_by_text("Not ranked yet.")).to_be_visible()
    found = workspace.rca.workflow.incidents.get("INC-2001", SCOPE)
    assert found.severity == "SEV2" and found.started_at is not None
    assert found.started_at.isoformat() == "2026-03-02T09:15:00+00:00"


def test_sign_out_ends_the_session(page: Page, workspace: Workspace) -> None:
    sign_in(page, workspace.tokens["viewer"])
    cookies = page.context.cookies()
    session = [c for c in cookies if c["name"] == "rcg_session"]
    assert session and session[0]["httpOnly"] and session[0]["sameSite"] == "Strict"
    assert workspace.tokens["viewer"] not in str(cookies)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    old = session[0]  # the old cookie, put back, opens nothing
    page.context.add_cookies(
        [{"name": old["name"], "value": old["value"], "domain": old["domain"], "path": old["path"]}]
    )
    page.goto("/ui/incidents")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_revoked_tokens_session_stops_working(page: Page, workspace: Workspace) -> None:
    token = workspace.token("soon-revoked", Role.responder)
    sign_in(page, token)
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
    workspace.rca.workflow.tokens.revoke("soon-revoked", SYSTEM)
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_post_without_the_csrf_token_is_refused(page: Page, workspace: Workspace) -> None:
    sign_in(page, workspace.tokens["responder"])
    status = page.evaluate(
        """async () => {
            const body = new URLSearchParams({id: "INC-CSRF", title: "x", severity: "SEV4",
                                              started_at: "2026-03-02T09:15"});
            const r = await fetch("/ui/incidents/declare", {method: "POST", body});
            return r.status;
        }"""
    )
    assert status == 403
    assert workspace.rca.workflow.incidents.search(service=None, system=None, limit=1000) != []
    ids = {i.id for i in workspace.rca.workflow.incidents.search(limit=1000)}
    assert "INC-CSRF" not in ids
