"""``rcagraph db``: the managed local Neo4j."""

from __future__ import annotations

import time

import typer

from rcagraph.cli.common import cli_errors, console, settings
from rcagraph.server.manager import LocalServer, ServerStatus

app = typer.Typer(help="Run a local Neo4j 5.26 Community server, assembled from Maven Central.")


@app.command()
def install(
    upgrade: bool = typer.Option(False, help="resolve again: take the newest 5.26 patch"),
) -> None:
    """Resolve Neo4j (and APOC core) with Maven into the cache, without starting it."""
    with cli_errors():
        t0 = time.monotonic()
        with console.status("resolving Neo4j 5.26 with Maven…"):
            dist = LocalServer(settings()).distribution(upgrade=upgrade)
        console.print(
            f"Neo4j {dist.version} Community in {dist.home} "
            f"(APOC: {'yes' if dist.apoc_jars else 'no'}, "
            f"browser: {'yes' if dist.has_browser else 'no'}) "
            f"[{time.monotonic() - t0:.1f} s]"
        )


@app.command()
def start() -> None:
    """Start the server in the background (no-op when it runs); print its Bolt URI."""
    with cli_errors():
        server = LocalServer(settings())
        t0 = time.monotonic()
        with console.status("starting Neo4j…"):
            state, started = server.start()
        verb = f"started in {time.monotonic() - t0:.1f} s" if started else "already running"
        console.print(f"Neo4j {state.version} {verb} (pid {state.pid})")
        console.print(f"Bolt URI: {state.bolt_uri}")
        if state.browser_url:
            console.print(f"Browser:  {state.browser_url}")
        console.print(f"user {state.user}, password in {server.state_file}")


@app.command()
def stop() -> None:
    """Shut the server down cleanly."""
    with cli_errors():
        stopped = LocalServer(settings()).stop()
        console.print("Neo4j stopped" if stopped else "Neo4j was not running")


@app.command()
def status() -> None:
    """Print version, URI and state."""
    with cli_errors():
        report = LocalServer(settings()).status()
        console.print(f"state:   {report.status.value}")
        console.print(f"version: {report.version or '-'}")
        console.print(f"uri:     {report.bolt_uri or '-'}")
        if report.browser_url:
            console.print(f"browser: {report.browser_url}")
        if report.pid:
            console.print(f"pid:     {report.pid}")
        console.print(f"home:    {report.home}")
        if report.status is not ServerStatus.RUNNING:
            raise typer.Exit(1)
