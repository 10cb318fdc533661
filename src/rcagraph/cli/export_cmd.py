"""``rcagraph export``: the graph as RDF, and the model as an ontology."""

from __future__ import annotations

from pathlib import Path

import typer

from rcagraph.cli.common import cli_errors, console, open_rca
from rcagraph.rdf.convert import FORMATS, export_graph, serialize
from rcagraph.rdf.ontology import ontology_turtle

app = typer.Typer(help="Export graph content and the graph model as RDF.")


@app.command()
def rdf(
    scope: str | None = typer.Option(None, help="only this scope (default: everything)"),
    fmt: str = typer.Option("turtle", "--format", help="turtle or json-ld"),
    out: Path | None = typer.Option(None, help="write to this file instead of stdout"),
) -> None:
    """Write graph content as Turtle or JSON-LD, in the rcagraph ontology's vocabulary."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"format must be one of {', '.join(sorted(FORMATS))}")
    with open_rca() as rca:
        text = serialize(export_graph(rca.graph, scope), fmt)
    _emit(text, out)


@app.command()
def ontology(out: Path | None = typer.Option(None, help="write to this file")) -> None:
    """Write the graph model as an OWL ontology in Turtle."""
    with cli_errors():
        _emit(ontology_turtle(), out)


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text)
        console.print(f"wrote {out}")
