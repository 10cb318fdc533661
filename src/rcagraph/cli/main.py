"""The ``rcagraph`` command."""

from __future__ import annotations

import typer
from rich.table import Table

from rcagraph.__version__ import __version__
from rcagraph.cli import (
    db_cmd,
    export_cmd,
    forecast_cmd,
    load_cmd,
    postmortem_cmd,
    rank_cmd,
    schema_cmd,
    serve_cmd,
)
from rcagraph.cli.common import console, open_rca

app = typer.Typer(
    name="rcagraph",
    help="Knowledge-graph root-cause analysis and post-mortems on Neo4j.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_cmd.app, name="db")
app.add_typer(schema_cmd.app, name="schema")
app.add_typer(forecast_cmd.app, name="forecast")
app.add_typer(export_cmd.app, name="export")
app.command(name="load")(load_cmd.load)
app.command("rank")(rank_cmd.rank)
app.command("train")(rank_cmd.train)
app.command("eval")(rank_cmd.evaluate)
app.command("serve")(serve_cmd.serve)
app.command("postmortem")(postmortem_cmd.postmortem)
app.add_typer(postmortem_cmd.token_app, name="token")


@app.command()
def version() -> None:
    """Print rcagraph's version."""
    console.print(__version__)


@app.command()
def stats(scope: str | None = typer.Option(None, help="only this scope")) -> None:
    """Print what is in the graph: nodes per label, relationships per type."""
    with open_rca() as rca:
        counts = rca.counts(scope)
        table = Table(title=f"graph content{f' (scope {scope})' if scope else ''}")
        table.add_column("kind")
        table.add_column("name")
        table.add_column("count", justify="right")
        for label, n in counts["nodes"].items():
            table.add_row("node", label, str(n))
        for rel, n in counts["relationships"].items():
            table.add_row("relationship", rel, str(n))
        console.print(table)


def main() -> None:
    app()
