"""``rcagraph forecast``: failure-mode forecasts, model training, synthetic history."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer
from rich.table import Table

from rcagraph.cli.common import cli_errors, console, open_rca
from rcagraph.errors import InputError
from rcagraph.forecast.model import ForecastConfig
from rcagraph.forecast.modes import build_failure_modes, parse_mode_key
from rcagraph.forecast.service import write_history
from rcagraph.loaders.timeparse import NoZoneError, TimestampError, parse_rfc3339
from rcagraph.synthetic.forecast_history import HistoryConfig, generate_history

app = typer.Typer(
    help="Forecast incidents per service and failure mode (24 h, 7 d) from the graph's history.",
    invoke_without_command=True,
)


def _parse_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_rfc3339(value)
    except NoZoneError as exc:
        raise InputError(
            "--at needs an explicit zone (e.g. 2026-03-01T12:00:00Z)", field="at"
        ) from exc
    except TimestampError as exc:
        raise InputError(f"--at {value!r} is not an ISO 8601 time", field="at") from exc


@app.callback()
def forecast(
    ctx: typer.Context,
    scope: str = typer.Option("default", help="the graph scope to forecast"),
    horizon: str | None = typer.Option(None, help="24h or 7d (default: both)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
    model: Path | None = typer.Option(
        None, help="model file (default: HOME/models/forecast.joblib)"
    ),
    at: str | None = typer.Option(None, help="forecast from this moment (ISO 8601; default now)"),
    top: int = typer.Option(20, help="rows to show in the table (JSON has all)"),
    changes: bool = typer.Option(
        False, "--changes", help="table: forecasts of pending or recent changes, not services"
    ),
    write: bool = typer.Option(True, help="write the forecasts to the graph as :Forecast"),
) -> None:
    """Forecast, for each service and failure mode (and pending or recent change), the
    probability of an incident within the horizon."""
    if ctx.invoked_subcommand is not None:
        return
    with open_rca() as rca:
        run = rca.run_forecast(scope, horizon, model, at=_parse_at(at), write=write)
        if as_json:
            payload = {
                "scope": scope,
                "at": run.at.isoformat().replace("+00:00", "Z"),
                "failure_modes": run.modes.modes,
                "forecasts": [f.to_json() for f in run.forecasts],
            }
            typer.echo(json.dumps(payload, indent=2))
            return
        what = "changes" if changes else "services"
        table = Table(title=f"{what}: forecasts for scope {scope} at {run.at:%Y-%m-%d %H:%M} UTC")
        cols = ["horizon", "service", *(["change"] if changes else []), "cause · signature"]
        for col in [*cols, "p", "drivers"]:
            table.add_column(col, justify="right" if col == "p" else "left")
        chosen = [f for f in run.forecasts if (f.change_id is not None) == changes]
        for f in sorted(chosen, key=lambda f: -f.probability)[:top]:
            kind, _, signature = parse_mode_key(f.mode)
            drivers = "\n".join(f"{d.feature} {d.contribution:+.3f}" for d in f.drivers[:2])
            cells = [f.horizon, f.service, *([f.change_id or ""] if changes else [])]
            table.add_row(*cells, f"{kind} · {signature}", f"{f.probability:.3f}", drivers)
        console.print(table)
        console.print(
            f"{len(run.forecasts)} forecasts, {run.modes.modes} failure modes from "
            f"{run.modes.incidents} incidents; {'written to the graph' if write else 'not written'}"
        )


@app.command()
def train(
    scope: str = typer.Option("default", help="the scope whose history to learn from"),
    out: Path | None = typer.Option(None, help="model file (default: HOME/models/forecast.joblib)"),
    estimator: str = typer.Option("logistic", help="logistic or hgb"),
    until: str | None = typer.Option(None, help="train on history before this moment only"),
) -> None:
    """Fit the forecast model on a scope's history and save it (versioned, with metadata)."""
    with open_rca() as rca:
        if estimator not in {"logistic", "hgb"}:
            raise InputError(f"unknown estimator {estimator!r}: use logistic or hgb")
        cfg = ForecastConfig.model_validate({"estimator": estimator})
        model, path = rca.train_forecast(scope, config=cfg, out=out, until=_parse_at(until))
        console.print(f"model {model.name} saved to {path}")
        for h, c in model.metadata["training"].items():
            console.print(f"  {h}: {c['rows']} rows, {c['positives']} with an incident")


@app.command()
def modes(scope: str = typer.Option("default", help="the graph scope")) -> None:
    """Group the scope's incidents into failure modes (idempotent) and print the count."""
    with open_rca() as rca:
        report = build_failure_modes(rca.graph, scope)
        console.print(
            f"{report.modes} failure modes from {report.incidents} incidents "
            f"({report.skipped} without a component)"
        )


@app.command()
def generate(
    scope: str = typer.Option("history", help="the scope to write the history into"),
    days: int = typer.Option(180, help="days of operation"),
    services: int = typer.Option(20, help="components in the topology"),
    seed: int = typer.Option(7, help="random seed"),
) -> None:
    """Write months of seeded synthetic operation (changes, incidents, signals) into a scope."""
    with cli_errors():
        history = generate_history(
            HistoryConfig(seed=seed, scope=scope, days=days, n_services=services)
        )
    with open_rca() as rca:
        stats = write_history(rca.graph, history)
        console.print(
            f"scope {scope}: {len(history.changes)} changes, {len(history.incidents)} incidents, "
            f"{len(history.anomalies)} anomalies, {len(history.alerts)} alerts "
            f"({stats.nodes_created} nodes created); history ends {history.end:%Y-%m-%d}"
        )
