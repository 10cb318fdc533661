"""``rcagraph load BUNDLE``: load an incident bundle and print its load report."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from rcagraph.cli.common import EXIT_REJECTED, console, err_console, open_rca
from rcagraph.ids import DEFAULT_SCOPE, bundle_scope
from rcagraph.loaders.base import LoadReport
from rcagraph.loaders.incident import read_incident


def print_report(report: LoadReport) -> None:
    table = Table(title=f"load of {report.bundle} into scope {report.scope}")
    table.add_column("kind")
    for col in ("read", "loaded", "merged", "rejected", "skipped"):
        table.add_column(col, justify="right")
    for kind, c in sorted(report.kinds.items()):
        table.add_row(
            kind, str(c.read), str(c.loaded), str(c.merged), str(c.rejected), str(c.skipped)
        )
    console.print(table)
    for kind, c in sorted(report.kinds.items()):
        if c.notes:  # a line each: a table column is too narrow on a terminal
            items = ", ".join(f"{k} {v}" for k, v in sorted(c.notes.items()))
            console.print(f"notes {kind}: {items}", highlight=False)
        for reason, n in sorted(c.skip_reasons.items()):
            console.print(f"skipped {n} {kind}: {reason}", highlight=False)
    for r in report.rejections:
        console.print(f"[yellow]rejected[/yellow] {r.message()}", markup=True, highlight=False)
    for f in report.unknown_files:
        console.print(f"unknown file, ignored: {f}", highlight=False)
    if report.rejections:
        console.print(f"quarantine: {report.quarantine_path}", highlight=False)
    console.print(f"report: {report.report_path}", highlight=False)


def load(
    bundle: Path = typer.Argument(..., help="the bundle directory", exists=True, file_okay=False),
    scope: str | None = typer.Option(None, help=f"graph scope (default {DEFAULT_SCOPE!r})"),
    use_bundle_scope: bool = typer.Option(
        False, "--bundle-scope", help="load into the bundle's own scope, bundle:<incident id>"
    ),
    allow_rejected: bool = typer.Option(
        False, "--allow-rejected", help="exit 0 even when records were rejected"
    ),
    report_dir: Path | None = typer.Option(
        None, help="where load-report.json and quarantine.jsonl go"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
    no_progress: bool = typer.Option(False, "--no-progress", help="no progress bar"),
) -> None:
    """Load an incident bundle into the graph; exit 3 when records were rejected."""
    if scope and use_bundle_scope:
        err_console.print("[red]error:[/red] give --scope or --bundle-scope, not both")
        raise typer.Exit(2)
    with open_rca() as rca:
        if use_bundle_scope:
            scope = bundle_scope(read_incident(bundle).id)
        report = rca.load_bundle(
            bundle, scope=scope, report_dir=report_dir, progress=False if no_progress else None
        )
    if as_json:
        console.print_json(json.dumps(report.to_dict() | {"report_path": report.report_path}))
    else:
        print_report(report)
    if report.rejected and not allow_rejected:
        err_console.print(
            f"[yellow]{report.rejected} record(s) rejected[/yellow] "
            f"(see {report.quarantine_path}; --allow-rejected to accept)"
        )
        raise typer.Exit(EXIT_REJECTED)
