"""Clear errors from the managed server: Maven Central unreachable, a server dying on start."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from rcagraph.errors import MavenError, ServerStartError
from rcagraph.server.manager import LocalServer, ServerStatus
from rcagraph.server.maven import resolve_distribution
from rcagraph.settings import Settings


def _fake_mvn(tmp_path: Path, output: str) -> str:
    """A stand-in for the mvn binary that fails the way Maven does without a network."""
    script = tmp_path / "mvn"
    script.write_text(f"#!/bin/sh\necho '{output}'\nexit 1\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_maven_central_unreachable_is_named(tmp_path: Path) -> None:
    mvn = _fake_mvn(
        tmp_path,
        "[ERROR] Could not transfer metadata org.neo4j:neo4j/maven-metadata.xml: "
        "java.net.UnknownHostException: repo.example",
    )
    with pytest.raises(MavenError, match="Maven Central is not reachable"):
        resolve_distribution(tmp_path / "dist", "[5.26.0,5.27.0)", mvn=mvn)


def test_maven_missing_is_named(tmp_path: Path) -> None:
    with pytest.raises(MavenError, match="Maven was not found"):
        resolve_distribution(tmp_path / "dist", "[5.26.0,5.27.0)", mvn="no-such-mvn")


@pytest.mark.slow
def test_server_dying_on_start_shows_its_log(test_settings: Settings, tmp_path: Path) -> None:
    if not test_settings.managed:
        pytest.skip("the test Neo4j is external; the managed server is not in use")
    # a distribution is installed (the session's server runs from it); an impossible heap size
    # makes the JVM exit at once
    name = f"dies-{test_settings.server_name}-{tmp_path.name}"  # not shared with another run
    settings = Settings(server_name=name, heap_size="1x", apoc=False)
    server = LocalServer(settings)
    with pytest.raises(ServerStartError) as info:
        server.start()
    assert "exited during start" in str(info.value)
    assert "heap" in info.value.log_tail.lower()
    assert server.status().status is ServerStatus.STOPPED


def test_java_older_than_17_is_refused(tmp_path: Path) -> None:
    from rcagraph.errors import JavaMissingError
    from rcagraph.server.java import require_java

    java = tmp_path / "java"
    java.write_text("#!/bin/sh\necho 'openjdk version \"11.0.22\" 2024-01-16' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(JavaMissingError, match="Java 11 found"):
        require_java(str(java))
