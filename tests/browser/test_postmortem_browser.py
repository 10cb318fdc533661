"""The post-mortem and the actions board in Chromium, as people use them: a reviewer edits
and saves versions (blameless hints shown), compares two side by side, submits, is refused
approving their own version; a second reviewer of another team approves (the owner rule still
blocks), one of the owning team approves, the post-mortem is published and exported. A
responder marks the actions done and runs the verification. Viewers and responders of other
teams are refused, on the page and on a forged POST."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from rcagraph.errors import NotFoundError
from rcagraph.postmortem.common import SYSTEM, Role
from tests.browser.conftest import (
    DEMO_INCIDENT,
    SCOPE,
    SLOW_MS,
    VIEWPORT,
    Shoot,
    Workspace,
    sign_in,
)

pytestmark = pytest.mark.usefixtures("patient")


PM_ID = f"PM-{DEMO_INCIDENT}"
PM_PAGE = f"/ui/postmortems/{PM_ID}?scope={SCOPE}"
OWNERS = ("web-team", "cart-team")


def ensure_postmortem(workspace: Workspace) -> None:
    """The demo incident's post-mortem (created through the library when no test made it)."""
    wf = workspace.rca.workflow
    try:
        wf.postmortems.get(PM_ID, SCOPE)
    except NotFoundError:
        wf.postmortems.create(SYSTEM, DEMO_INCIDENT, SCOPE)


def second_session(browser: Browser, workspace: Workspace, token: str, start: str) -> Page:
    """Another person's browser: a new context (its own cookies), signed in at ``start``."""
    context = browser.new_context(base_url=workspace.url, viewport=VIEWPORT)
    context.set_default_timeout(SLOW_MS)
    pg = context.new_page()
    sign_in(pg, token, start)
    return pg


def forged_post(page: Page, path: str, fields: dict[str, str]) -> tuple[int, str]:
    """A POST from the page's own session with its CSRF token (what a hand-made form would
    send): the server's answer status and text."""
    result: list[object] = page.evaluate(
        """async ([path, fields]) => {
            const csrf = document.querySelector("input[name=csrf]").value;
            const body = new URLSearchParams({...fields, csrf});
            const r = await fetch(path, {method: "POST", body});
            return [r.status, await r.text()];
        }""",
        [path, fields],
    )
    status, text = result
    assert isinstance(status, int) and isinstance(text, str)
    return status, text


def fits_a_narrow_window(page: Page) -> None:
    """At 390 px wide the page reflows: nothing wider than the window."""
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide in a 390 px window"
    page.set_viewport_size(VIEWPORT)


def test_edit_diff_review_and_publish(
    page: Page, browser: Browser, workspace: Workspace, shoot: Shoot
) -> None:
    wf = workspace.rca.workflow
    rex = workspace.token("rex", Role.reviewer, OWNERS)
    sign_in(page, rex, f"/ui/incidents/{DEMO_INCIDENT}?scope={SCOPE}")
    page.get_by_role("link", name="Post-mortem").click()
    if page.get_by_role("button", name="Create the post-mortem").count():
        page.get_by_role("button", name="Create the post-mortem").click()
    expect(page).to_have_url(re.compile(rf"/ui/postmortems/{PM_ID}\?scope={SCOPE}"))
    expect(page.get_by_role("heading", name=f"Post-mortem {PM_ID}")).to_be_visible()
    first = wf.postmortems.get(PM_ID, SCOPE).current_version

    # a blaming summary: saved, and the hint shows at the summary
    page.get_by_label("Summary").fill(
        "Checkout was slow for 49 minutes. It was human error: the engineer forgot the cache."
    )
    page.get_by_label("What changed (the version's note)").fill("first rewrite")
    page.get_by_role("button", name=f"Save as version {first + 1}").click()
    hints = page.locator("#editor ul.hints").first
    expect(hints).to_contain_text("human error")
    expect(hints).to_contain_text("Summary")
    expect(page.locator("#versions")).to_contain_text("first rewrite")
    shoot(page, "postmortem-editor")

    # reworded, and a lesson added: version + 2, no hint left
    page.get_by_label("Summary").fill(
        "Checkout was slow for 49 minutes: a cart deploy exhausted its connection pool."
    )
    lessons = page.get_by_label("Lessons, one per line")
    lessons.fill(lessons.input_value() + "\nConnection pool limits need a load test per deploy.")
    page.get_by_label("What changed (the version's note)").fill("blameless summary")
    page.get_by_role("button", name=f"Save as version {first + 2}").click()
    expect(page.locator("#editor ul.hints")).to_have_count(0)
    pm = wf.postmortems.get(PM_ID, SCOPE)
    assert pm.current_version == first + 2
    assert pm.content["lessons"][-1] == "Connection pool limits need a load test per deploy."
    assert "human error" not in pm.content["summary"]

    # the diff of the first and the last version, side by side
    page.get_by_label("Older").select_option(str(first))
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(rf"/diff\?scope={SCOPE}&a={first}&b={first + 2}"))
    changed = page.locator("table.diff tr.changed").first
    expect(changed.locator("td.new")).to_contain_text("connection pool")
    expect(page.locator("table.diff td.new", has_text="load test per deploy")).to_have_count(1)
    expect(page.get_by_role("cell", name="/summary")).to_be_visible()
    shoot(page, "postmortem-diff")

    # submit; the author of the version is refused approving it
    page.goto(PM_PAGE)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".status")).to_have_text("in review")
    page.get_by_role("button", name=f"Approve version {first + 2}").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"'rex' wrote version {first + 2} and cannot approve it"
    )
    assert wf.postmortems.get(PM_ID, SCOPE).approvals == []

    # a second reviewer, of another team: approved, but the SEV2 owner rule still blocks
    rob = workspace.token("rob", Role.reviewer, ("payments-team",))
    other = second_session(browser, workspace, rob, PM_PAGE)
    other.get_by_role("button", name=f"Approve version {first + 2}").click()
    expect(other.locator("#review")).to_contain_text("Approved by 1")
    expect(other.locator("#review .gate")).to_contain_text(
        "a reviewer from the team owning the root-cause service"
    )
    expect(other.locator(".status")).to_have_text("in review")
    other.get_by_role("button", name=f"Approve version {first + 2}").click()
    expect(other.get_by_role("alert")).to_contain_text("already approved")
    other.context.close()

    # a reviewer of the owning team: approved; then published
    rae = workspace.token("rae", Role.reviewer, ("cart-team",))
    owner = second_session(browser, workspace, rae, PM_PAGE)
    owner.get_by_role("button", name=f"Approve version {first + 2}").click()
    expect(owner.locator(".status")).to_have_text("approved")
    owner.get_by_role("button", name="Publish").click()
    expect(owner.locator(".status")).to_have_text("published")
    expect(owner.locator("#read-only")).to_contain_text("published and read-only")
    expect(owner.get_by_role("button", name=re.compile("^Save as version"))).to_be_disabled()
    owner.context.close()
    assert wf.postmortems.get(PM_ID, SCOPE).status == "published"

    # exports: Markdown, JSON, a printable page
    page.goto(PM_PAGE)
    md = page.request.get(f"/ui/postmortems/{PM_ID}/export?format=md&scope={SCOPE}")
    assert md.ok and md.headers["content-type"].startswith("text/markdown")
    assert "## Lessons" in md.text() and "load test per deploy" in md.text()
    js = page.request.get(f"/ui/postmortems/{PM_ID}/export?format=json&scope={SCOPE}")
    assert js.ok and js.json()["status"] == "published"
    assert js.json()["version"] == first + 2
    page.get_by_role("link", name="Printable page").click()
    expect(
        page.get_by_role("heading", name=re.compile(f"Post-mortem: {DEMO_INCIDENT}"))
    ).to_be_visible()
    expect(page.locator("body")).to_contain_text("load test per deploy")
    page.goto(PM_PAGE)
    expect(page.get_by_role("heading", name="Glossary")).to_be_visible()
    expect(page.locator("#glossary")).to_contain_text("Owner rule")
    shoot(page, "postmortem")
    fits_a_narrow_window(page)


def test_a_viewer_cannot_save_a_version(page: Page, workspace: Workspace) -> None:
    ensure_postmortem(workspace)
    wf = workspace.rca.workflow
    before = wf.postmortems.get(PM_ID, SCOPE).current_version
    sign_in(page, workspace.tokens["viewer"], PM_PAGE)
    expect(page.locator("#read-only")).to_contain_text("has role viewer")
    expect(page.get_by_role("button", name=re.compile("^Save as version"))).to_be_disabled()
    for name in ("Submit for review", re.compile("^Approve"), "Publish", "Run the verification"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    status, text = forged_post(
        page,
        f"/ui/postmortems/{PM_ID}/versions",
        {"scope": SCOPE, "base_version": str(before), "summary": "changed by a viewer"},
    )
    assert status == 403 and "needs responder" in text
    assert wf.postmortems.get(PM_ID, SCOPE).current_version == before


def test_a_responder_of_another_team_cannot_edit(page: Page, workspace: Workspace) -> None:
    ensure_postmortem(workspace)
    wf = workspace.rca.workflow
    before = wf.postmortems.get(PM_ID, SCOPE).current_version
    token = workspace.token("otto", Role.responder, ("payments-team",))
    sign_in(page, token, PM_PAGE)
    expect(page.locator("#read-only")).to_contain_text("may not change post-mortem")
    expect(page.get_by_role("button", name=re.compile("^Save as version"))).to_be_disabled()
    status, text = forged_post(
        page,
        f"/ui/postmortems/{PM_ID}/versions",
        {"scope": SCOPE, "base_version": str(before), "summary": "changed by another team"},
    )
    assert status == 403 and "belongs to the teams" in text
    assert wf.postmortems.get(PM_ID, SCOPE).current_version == before
    status, _ = forged_post(page, f"/ui/postmortems/{PM_ID}/verify", {"scope": SCOPE})
    assert status == 403


def test_mark_the_actions_done_and_verify(page: Page, workspace: Workspace, shoot: Shoot) -> None:
    ensure_postmortem(workspace)
    wf = workspace.rca.workflow
    actions = wf.actions.of_postmortem(PM_ID, SCOPE)
    assert actions, "the demo post-mortem suggests actions"
    first = actions[0]["id"]
    sign_in(page, workspace.tokens["responder"], "/ui/actions")
    expect(page.get_by_role("heading", name="Actions", exact=True)).to_be_visible()
    card = page.locator(f"#card-{first}")
    expect(page.locator("section.col-open")).to_contain_text(first)

    # owner, a past due date and a ticket: the card is marked overdue and links the ticket
    card.get_by_text(f"Edit {first}").click()
    card.get_by_label("Owner").fill("cart-team")
    card.get_by_label("Due").fill("2026-03-05")
    card.get_by_label("Ticket URL").fill("https://tickets.example.com/OPS-17")
    card.get_by_label("Status").select_option("in_progress")
    card.get_by_role("button", name=f"Save {first}").click()
    card = page.locator(f"#card-{first}")
    expect(page.locator("section.col-in_progress")).to_contain_text(first)
    expect(card.locator(".overdue-mark")).to_have_text("overdue")
    expect(card.get_by_role("link", name="Ticket")).to_have_attribute(
        "href", "https://tickets.example.com/OPS-17"
    )
    shoot(page, "actions")

    # verifying before every action is done is refused, with the reason
    page.get_by_role("button", name=f"Verify {PM_ID}").click()
    expect(page.get_by_role("alert")).to_contain_text("actions not done yet")
    page.goto("/ui/actions")

    for a in actions:
        card = page.locator(f"#card-{a['id']}")
        card.get_by_text(f"Edit {a['id']}").click()
        card.get_by_label("Status").select_option("done")
        card.get_by_role("button", name=f"Save {a['id']}").click()
        expect(page.locator("section.col-done")).to_contain_text(a["id"])
    expect(page.locator(f"#card-{first} .overdue-mark")).to_have_count(0)  # done: not overdue

    page.get_by_role("button", name=f"Verify {PM_ID}").click()
    expect(page).to_have_url(re.compile(rf"/ui/postmortems/{PM_ID}.*#verification"))
    result = page.locator("#verification .verification").first
    expect(result).to_contain_text("Verified: the failure signature did not come back")
    expect(result).to_contain_text(first)
    assert {a["status"] for a in wf.actions.of_postmortem(PM_ID, SCOPE)} == {"verified"}
    page.goto("/ui/actions")
    expect(page.locator("section.col-verified")).to_contain_text(first)
    fits_a_narrow_window(page)


def test_a_viewer_cannot_change_an_action(page: Page, workspace: Workspace) -> None:
    ensure_postmortem(workspace)
    wf = workspace.rca.workflow
    action = wf.actions.of_postmortem(PM_ID, SCOPE)[0]
    sign_in(page, workspace.tokens["viewer"], "/ui/actions")
    expect(page.locator(f"#card-{action['id']}")).to_be_visible()
    expect(page.get_by_text(re.compile("^Edit "))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Verify"))).to_have_count(0)
    status, text = forged_post(
        page, f"/ui/actions/{action['id']}", {"scope": SCOPE, "owner": "someone-else"}
    )
    assert status == 403 and "needs responder" in text
    assert wf.actions.get(action["id"], SCOPE)["owner"] == action["owner"]
