"""`db start` twice leaves one server; `db stop` leaves no process behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcagraph.server.manager import LocalServer, ServerStatus, _pid_alive
from rcagraph.settings import Settings


@pytest.mark.slow
def test_start_twice_one_server_then_stop_leaves_nothing(
    test_settings: Settings, tmp_path: Path
) -> None:
    if not test_settings.managed:
        pytest.skip("the test Neo4j is external; the managed server is not in use")
    # named after the session's server too: runs that share RCAGRAPH_HOME must not share it
    settings = Settings(
        server_name=f"lifecycle-{test_settings.server_name}-{tmp_path.name}",
        heap_size="512m",
        pagecache_size="64m",
        apoc=False,
    )
    server = LocalServer(settings)
    try:
        first, started = server.start()
        assert started
        second, started_again = server.start()
        assert not started_again
        assert second.pid == first.pid
        report = server.status()
        assert report.status is ServerStatus.RUNNING
        assert report.version is not None and report.version.startswith("5.26.")
        assert report.bolt_uri == first.bolt_uri
    finally:
        assert server.stop()
    assert not _pid_alive(first.pid)
    assert server.status().status is ServerStatus.STOPPED
    assert not server.stop()
