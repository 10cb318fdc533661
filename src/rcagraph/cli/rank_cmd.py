"""``rcagraph rank``, ``rcagraph train`` and ``rcagraph eval``: the ranking engine's commands."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer
from rich.table import Table

from rcagraph.cli.common import EXIT_USAGE, console, err_console, open_rca
from rcagraph.engine.base import Ranker
from rcagraph.engine.learned import load_ranker
from rcagraph.engine.result import Ranking
from rcagraph.engine.scorer import DefaultScorer
from rcagraph.engine.service import EvalReport, GroupReport
from rcagraph.engine.training import RANKER_KINDS
from rcagraph.ids import DEFAULT_SCOPE
from rcagraph.loaders.timeparse import NoZoneError, TimestampError, parse_rfc3339


def _ranker(model: Path | None) -> Ranker:
    return DefaultScorer() if model is None else load_ranker(model)


def _show(ranking: Ranking) -> None:
    title = f"{ranking.incident} — ranker {ranking.ranker}"
    if ranking.abstained:
        title += " — [yellow]abstained: no candidate is supported well enough[/yellow]"
    table = Table(title=title)
    for col, kw in (
        ("#", {"justify": "right"}),
        ("kind", {}),
        ("service", {}),
        ("change", {}),
        ("conf.", {"justify": "right"}),
        ("score", {"justify": "right"}),
        ("top evidence", {"overflow": "fold"}),
    ):
        table.add_column(col, **kw)  # type: ignore[arg-type]
    for i, c in enumerate(ranking.candidates[:10], start=1):
        ev = c.evidence[0].summary if c.evidence else ""
        table.add_row(
            str(i),
            c.kind,
            c.service or "—",
            c.change_id or "—",
            f"{c.confidence:.2f}",
            f"{c.score:.2f}",
            ev,
        )
    console.print(table)
    timings = ", ".join(f"{k} {v:.0f} ms" for k, v in ranking.timings_ms.items())
    console.print(f"[dim]{timings}[/dim]")


def rank(
    bundle: Path | None = typer.Argument(None, help="an incident bundle directory"),
    incident: str | None = typer.Option(None, "--incident", help="an incident in the graph"),
    scope: str = typer.Option(DEFAULT_SCOPE, help="scope of --incident"),
    model: Path | None = typer.Option(None, "--model", help="a trained model file"),
    as_json: bool = typer.Option(False, "--json", help="print the contract's JSON answer"),
    write_back: bool = typer.Option(
        True, "--write-back/--no-write-back", help="write the hypotheses to the graph"
    ),
) -> None:
    """Rank the root-cause candidates of an incident (a bundle, or --incident in the graph)."""
    if (bundle is None) == (incident is None):
        err_console.print("[red]error:[/red] give either BUNDLE or --incident ID")
        raise typer.Exit(EXIT_USAGE)
    with open_rca() as rca:
        ranker = _ranker(model)
        if bundle is not None:
            ranking = rca.rank_bundle(bundle, ranker)
        else:
            assert incident is not None
            ranking = rca.rank(incident, scope, ranker)
        if write_back:
            rca.write_back(ranking)
        if as_json:
            typer.echo(json.dumps(ranking.to_json(), indent=2))
        else:
            _show(ranking)


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_rfc3339(value)
    except NoZoneError:
        err_console.print(
            "[red]error:[/red] --since needs an explicit zone (e.g. 2026-03-01T00:00:00Z)"
        )
        raise typer.Exit(EXIT_USAGE) from None
    except TimestampError:
        err_console.print(f"[red]error:[/red] --since {value!r} is not an ISO 8601 time")
        raise typer.Exit(EXIT_USAGE) from None


def train(
    bundles: list[Path] | None = typer.Argument(None, help="labelled bundles (with truth.json)"),
    from_graph: bool = typer.Option(
        False,
        "--from-graph",
        help="also train on incidents in the graph whose hypotheses responders confirmed",
    ),
    scope: str | None = typer.Option(
        None, "--scope", help="with --from-graph: only this scope (default: every scope)"
    ),
    since: str | None = typer.Option(
        None, "--since", help="with --from-graph: incidents started at or after this ISO time"
    ),
    out: Path = typer.Option(..., "--out", help="model file to write (e.g. model.joblib)"),
    ranker: str = typer.Option("learned", help="learned, or default (priors + calibration)"),
) -> None:
    """Train a ranker on labelled bundles and/or labelled incidents in the graph, and save it
    as a versioned model file."""
    if ranker not in RANKER_KINDS:
        err_console.print("[red]error:[/red] --ranker must be learned or default")
        raise typer.Exit(EXIT_USAGE)
    bundles = bundles or []
    if not bundles and not from_graph:
        err_console.print("[red]error:[/red] give labelled BUNDLEs, --from-graph, or both")
        raise typer.Exit(EXIT_USAGE)
    if not from_graph and (scope is not None or since is not None):
        err_console.print("[red]error:[/red] --scope and --since need --from-graph")
        raise typer.Exit(EXIT_USAGE)
    since_at = _parse_since(since)
    with open_rca() as rca:
        training = rca.training_set(bundles, from_graph=from_graph, scope=scope, since=since_at)
        if bundles:
            console.print(f"from bundles: {training.from_bundles} labelled incidents")
        history = training.from_graph
        if history is not None:
            where = f"scope {scope}" if scope is not None else "every scope"
            if since_at is not None:
                where += f", started since {since_at.isoformat()}"
            console.print(f"from the graph ({where}): {len(history)} labelled incidents")
            if history.skipped:
                console.print(
                    f"skipped {len(history.skipped)} incidents: {history.skipped_summary()}"
                )
                for s in history.skipped[:20]:
                    console.print(
                        f"  [dim]{s.scope} {s.incident_id}: {s.reason}"
                        + (f" ({s.detail})" if s.detail else "")
                        + "[/dim]"
                    )
        model = rca.train(training, ranker, out)
    console.print(f"trained {model.name} ranker on {len(training)} incidents → {out}")


def _metrics_table(title: str, groups: dict[str, GroupReport]) -> Table:
    table = Table(title=title)
    for col in ("group", "n", "AC@1", "AC@3", "Avg@5", "MRR", "svc AC@1", "svc AC@3",
                "svc MRR", "p50 ms", "p95 ms", "abst."):  # fmt: skip
        table.add_column(col, justify="right" if col != "group" else "left")
    for name, g in groups.items():
        table.add_row(
            name,
            str(g.change.n),
            f"{g.change.ac1:.2f}",
            f"{g.change.ac3:.2f}",
            f"{g.change.avg5:.2f}",
            f"{g.change.mrr:.2f}",
            f"{g.service.ac1:.2f}",
            f"{g.service.ac3:.2f}",
            f"{g.service.mrr:.2f}",
            f"{g.latency_p50_ms or 0:.0f}",
            f"{g.latency_p95_ms or 0:.0f}",
            str(g.abstained),
        )
    return table


def _show_report(report: EvalReport) -> None:
    console.print(_metrics_table("overall", {"all": report.overall}))
    console.print(_metrics_table("per system", dict(sorted(report.by_system.items()))))
    console.print(_metrics_table("per fault kind", dict(sorted(report.by_kind.items()))))
    n, prec = report.confident_top
    console.print(
        f"top candidates with confidence ≥ 0.8: {n}"
        + (f", {prec:.0%} right" if prec is not None else "")
    )


def evaluate(
    bundles: list[Path] = typer.Argument(..., help="labelled bundles (with truth.json)"),
    model: Path | None = typer.Option(None, "--model", help="a trained model file"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """AC@1, AC@3, Avg@5, MRR (change and service level) per system and fault kind."""
    with open_rca() as rca:
        report = rca.evaluate(bundles, _ranker(model))
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        _show_report(report)
