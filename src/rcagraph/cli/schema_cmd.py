"""``rcagraph schema``: migrations of the graph model."""

from __future__ import annotations

import typer

from rcagraph.cli.common import console, open_rca
from rcagraph.schema.migrations import SCHEMA_VERSION

app = typer.Typer(help="Apply and inspect the graph schema (constraints, indexes).")


@app.command()
def apply() -> None:
    """Apply the migrations not yet applied (idempotent)."""
    with open_rca() as rca:
        applied = rca.apply_schema()
        for m in applied:
            console.print(f"applied migration {m.version}: {m.name}")
        console.print(f"schema version {rca.schema_version()} (this rcagraph: {SCHEMA_VERSION})")


@app.command()
def status() -> None:
    """Print the schema version recorded in the graph."""
    with open_rca() as rca:
        console.print(f"schema version {rca.schema_version()} (this rcagraph: {SCHEMA_VERSION})")
