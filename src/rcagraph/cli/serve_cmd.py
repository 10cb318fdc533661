"""``rcagraph serve``: the HTTP API and the web workspace (``/ui``) under uvicorn."""

from __future__ import annotations

import typer

from rcagraph.cli.common import cli_errors, settings


def serve(
    host: str | None = typer.Option(None, help="interface (default RCAGRAPH_API_HOST)"),
    port: int | None = typer.Option(None, help="port (default RCAGRAPH_API_PORT)"),
    workers_threads: int = typer.Option(40, "--threads", min=1, help="worker threads for handlers"),
) -> None:
    """Serve the API (ingest receivers, incidents, post-mortems, KPIs, audit) and the web
    workspace under /ui."""
    import uvicorn

    from rcagraph.core import RcaGraph
    from rcagraph.workspace import create_app

    s = settings()
    with cli_errors(), RcaGraph.open(s) as rca:
        app = create_app(rca, thread_limit=workers_threads)
        uvicorn.run(app, host=host or s.api_host, port=port or s.api_port, log_level="warning")
