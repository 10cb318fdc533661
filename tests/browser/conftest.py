"""The browser tier: the web workspace as a person uses it, in Debian's Chromium.

One server and one browser for the tier: :func:`workspace` loads the demo bundle
(``examples/bundles/checkout-latency``) into the managed test Neo4j, ranks its incident and
serves the app (API and workspace) with uvicorn on a free loopback port in a thread;
:func:`browser` launches ``/usr/bin/chromium`` (``RCAGRAPH_TEST_CHROMIUM`` overrides it)
through Playwright — Playwright's own browsers are never downloaded. Each test gets a fresh
browser context (:func:`page`: no cookies, 1280×800). Where Chromium cannot start the tier is
skipped with the reason, except in CI (``CI=true``), where that is a failure.

Screenshots (:func:`shoot`) go to a temporary folder, or to ``docs/screenshots/`` with
``RCAGRAPH_SCREENSHOTS=1``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import neo4j
import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    Error,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)

from rcagraph.core import RcaGraph
from rcagraph.graph import Query
from rcagraph.postmortem.common import Role
from rcagraph.settings import Settings
from rcagraph.workspace import create_app
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "bundles" / "checkout-latency"
DEMO_INCIDENT = "INC-1042"
SCOPE = "default"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("RCAGRAPH_TEST_CHROMIUM", "/usr/bin/chromium")
#: how Chromium is started: headless, no sandbox (root in CI), nothing fetched from the network
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
#: the ``shoot`` fixture: a screenshot of the page under a name
Shoot = Callable[[Page, str], Path]
#: how long a step may take where the page does real work (creating a post-mortem builds its
#: draft from the graph, seconds on a loaded CI machine; Playwright's default for expect is 5 s)
SLOW_MS = 60_000

_WIPE = Query(
    "tests.browser.wipe",
    "MATCH (n) WHERE NOT n:SchemaMigration "
    "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
)


@dataclass
class Workspace:
    """The served workspace: its address, the core object behind it and a token per role."""

    url: str
    rca: RcaGraph
    tokens: dict[str, str]

    def token(self, name: str, role: Role, teams: tuple[str, ...] = ()) -> str:
        """A further token (e.g. one a test revokes)."""
        return self.rca.workflow.tokens.create(name, role, teams=list(teams), scopes=["*"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def workspace(
    neo4j_driver: neo4j.Driver, test_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workspace]:
    settings = test_settings.model_copy(update={"data_dir": tmp_path_factory.mktemp("ui-data")})
    rca = RcaGraph(neo4j_driver, settings)
    rca.graph.run_autocommit(_WIPE)
    rca.load_bundle(DEMO, scope=SCOPE)
    rca.write_back(rca.rank(DEMO_INCIDENT, SCOPE))
    owners = ("web-team", "cart-team")  # the teams owning the demo incident's services
    tokens = {
        "viewer": rca.workflow.tokens.create("vic", Role.viewer, scopes=["*"]),
        "responder": rca.workflow.tokens.create("ria", Role.responder, teams=owners, scopes=["*"]),
    }
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(rca), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="workspace-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the workspace server did not start", pytrace=False)
        time.sleep(0.05)
    try:
        yield Workspace(f"http://127.0.0.1:{port}", rca, tokens)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, once for the tier."""
    reason = ""
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            launched = playwright.chromium.launch(
                executable_path=CHROMIUM, args=list(CHROMIUM_ARGS), timeout=60_000
            )
        except Error as exc:
            reason = f"Chromium did not start: {exc.message.splitlines()[0]}"
    if reason:
        if IN_CI:
            pytest.fail(f"browser tier in CI: {reason}", pytrace=False)
        pytest.skip(f"no browser for the browser tier: {reason}")
    try:
        yield launched
    finally:
        launched.close()


@pytest.fixture
def page(browser: Browser, workspace: Workspace) -> Iterator[Page]:
    """A fresh browser context (no cookies) at 1280×800 on the workspace."""
    context = browser.new_context(base_url=workspace.url, viewport=VIEWPORT)
    context.set_default_timeout(20_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("RCAGRAPH_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def shoot(screenshot_dir: Path) -> Callable[[Page, str], Path]:
    """Screenshot the whole page as ``<name>.png``."""

    def take(pg: Page, name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        pg.screenshot(path=str(path), full_page=True)
        return path

    return take


def sign_in(pg: Page, token: str, start: str = "/ui/incidents") -> None:
    """Open ``start``, get sent to the sign-in page, type the token and sign in."""
    pg.goto(start)
    pg.get_by_label("API token").fill(token)
    pg.get_by_role("button", name="Sign in").click()
    pg.wait_for_url(lambda url: start in url and "/sign-in" not in url)


@pytest.fixture
def patient(page: Page) -> Iterator[None]:
    """Playwright's timeouts at :data:`SLOW_MS` for one test (``usefixtures("patient")``)."""
    page.context.set_default_timeout(SLOW_MS)
    expect.set_options(timeout=SLOW_MS)
    try:
        yield
    finally:
        expect.set_options(timeout=5_000)
