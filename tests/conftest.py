"""Test tiers.

* ``tests/unit``: no server.
* ``tests/integration`` and ``tests/api``: a real Neo4j 5.26 — one server for the whole session
  (the managed server named ``pytest``, or the Neo4j that ``RCAGRAPH_TEST_NEO4J_URI`` names),
  and every test starts from an empty graph (schema kept).
* ``tests/browser``: the web workspace in Debian's Chromium (driven by Playwright) against a
  real ``rcagraph`` server on that Neo4j, with the demo bundle loaded once for the tier.

Where the server cannot start, those tests are skipped with the reason, except in CI
(``CI=true``), where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest

from rcagraph.core import RcaGraph
from rcagraph.errors import RcaGraphError
from rcagraph.graph import Query, connect
from rcagraph.server.manager import LocalServer
from rcagraph.settings import Settings

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

_WIPE = Query(
    "tests.wipe",
    "MATCH (n) WHERE NOT n:SchemaMigration "
    "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts or "api" in parts or "browser" in parts:
            item.add_marker(pytest.mark.neo4j)
        if "browser" in parts:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"Neo4j did not start in CI: {reason}", pytrace=False)
    pytest.skip(f"no Neo4j for the integration tiers: {reason}")


@pytest.fixture(scope="session")
def test_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for the test session: the external test Neo4j, or the managed `pytest` one."""
    data_dir = tmp_path_factory.mktemp("rcagraph-data")
    uri = os.environ.get("RCAGRAPH_TEST_NEO4J_URI", "")
    if uri:
        return Settings(
            neo4j_uri=uri,
            neo4j_user=os.environ.get("RCAGRAPH_TEST_NEO4J_USER", "neo4j"),
            neo4j_password=os.environ.get("RCAGRAPH_TEST_NEO4J_PASSWORD", ""),
            data_dir=data_dir,
        )
    # RCAGRAPH_TEST_SERVER names the managed instance, so parallel runs don't share one
    name = os.environ.get("RCAGRAPH_TEST_SERVER", "pytest")
    return Settings(server_name=name, data_dir=data_dir, neo4j_uri="")


@pytest.fixture(scope="session")
def neo4j_driver(test_settings: Settings) -> Iterator[neo4j.Driver]:
    """One driver for the session, to one server for the session."""
    server: LocalServer | None = None
    started = False
    try:
        if test_settings.managed:
            server = LocalServer(test_settings)
            state, started = server.start()
            uri, user, password = state.bolt_uri, state.user, state.password
        else:
            uri = test_settings.neo4j_uri
            user = test_settings.neo4j_user
            password = test_settings.neo4j_password.get_secret_value()
        driver = connect(uri, user, password)
    except RcaGraphError as exc:
        _unavailable(str(exc))
        raise  # unreachable: _unavailable always raises
    try:
        RcaGraph(driver, test_settings).apply_schema()
        yield driver
    finally:
        driver.close()
        if server is not None and started and not os.environ.get("RCAGRAPH_TEST_KEEP_SERVER"):
            server.stop()


@pytest.fixture
def rca(neo4j_driver: neo4j.Driver, test_settings: Settings, tmp_path: Path) -> RcaGraph:
    """The core object on an empty graph (schema applied), isolated from other tests."""
    settings = test_settings.model_copy(update={"data_dir": tmp_path / "data"})
    core = RcaGraph(neo4j_driver, settings)
    core.graph.run_autocommit(_WIPE)
    return core


@pytest.fixture
def neo4j_env(
    rca: RcaGraph, test_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Environment pointing a subprocess (a notebook kernel, a CLI run) at the test Neo4j,
    on an empty graph (through the ``rca`` fixture)."""
    if test_settings.managed:
        state = LocalServer(test_settings).running_state()
        assert state is not None
        uri, user, password = state.bolt_uri, state.user, state.password
    else:
        uri = test_settings.neo4j_uri
        user = test_settings.neo4j_user
        password = test_settings.neo4j_password.get_secret_value()
    env = {
        "RCAGRAPH_NEO4J_URI": uri,
        "RCAGRAPH_NEO4J_USER": user,
        "RCAGRAPH_NEO4J_PASSWORD": password,
        "RCAGRAPH_DATA_DIR": str(rca.settings.raw_data_dir),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is not beside the project ({SHARED})")
    return SHARED
