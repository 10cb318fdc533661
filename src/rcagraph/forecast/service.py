"""Forecasting on the graph: read a scope's history, train, forecast, write forecasts back.

These functions are what the CLI, the API and :meth:`rcagraph.core.RcaGraph.forecast` call:

* :func:`write_history` — a :class:`History` (e.g. generated) into a scope, in UNWIND batches;
* :func:`load_history` — a scope's components, dependencies, changes, incidents (with their
  failure modes), anomalies and alerts, as the in-memory tables the features are computed on;
* :func:`train_service` — fit a model on a scope's history and save it;
* :func:`forecast_service` — build the failure modes, forecast at a moment, write the forecasts
  as ``(:Forecast)-[:FOR]->(:Component|:Change)``, ``(:Forecast)-[:PREDICTS]->(:FailureMode)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rcagraph.forecast.queries as queries
from rcagraph.errors import InputError, NotFoundError
from rcagraph.forecast.history import (
    AlertRec,
    AnomalyRec,
    ChangeRec,
    ComponentRec,
    History,
    IncidentRec,
    history_rows,
)
from rcagraph.forecast.model import Forecast, ForecastConfig, ForecastModel
from rcagraph.forecast.modes import (
    FORECAST_VERSION,
    ModesReport,
    build_failure_modes,
    group_modes,
    read_causes,
)
from rcagraph.forecast.risk_features import HORIZONS
from rcagraph.graph import Graph, Query, WriteStats
from rcagraph.ids import uid
from rcagraph.settings import Settings

MODEL_FILE = "forecast.joblib"


def default_model_path(settings: Settings) -> Path:
    """Where ``rcagraph forecast train`` saves, and ``rcagraph forecast`` reads, by default."""
    return settings.home / "models" / MODEL_FILE


@dataclass(frozen=True, slots=True)
class ForecastOptions:
    """Where the model file is saved and read when no other is given."""

    model_path: Path

    @classmethod
    def of(cls, settings: Settings) -> ForecastOptions:
        return cls(model_path=default_model_path(settings))


def _native(value: Any) -> datetime:
    if hasattr(value, "to_native"):
        value = value.to_native()
    if not isinstance(value, datetime):
        raise InputError(f"expected a datetime in the graph, got {value!r}")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- history in and out ---------------------------------------------------------------------


def write_history(graph: Graph, history: History, *, batch_size: int = 2000) -> WriteStats:
    """Write ``history`` into its scope (idempotent: every node is merged on its uid)."""
    rows = history_rows(history)
    extra = {"scope": history.scope, "version": FORECAST_VERSION}
    stats = WriteStats()

    def put(query: Query, data: list[dict[str, object]]) -> None:
        if data:
            stats.add(graph.write_batches(query, data, batch_size=batch_size, extra=extra))

    put(queries.WRITE_SERVICES, [c for c in rows.components if c["kind"] == "service"])
    put(queries.WRITE_RESOURCES, [c for c in rows.components if c["kind"] != "service"])
    put(queries.WRITE_DEPENDS_ON, rows.edges)
    for kind, data in rows.changes.items():
        put(queries.WRITE_CHANGES.get(kind, queries.WRITE_OTHER_CHANGES), data)
    put(queries.WRITE_ANOMALIES, rows.anomalies)
    put(queries.WRITE_ALERTS, rows.alerts)
    put(queries.WRITE_INCIDENTS, rows.incidents)
    put(queries.WRITE_LOG_EVIDENCE, rows.log_incidents)
    return stats


def load_history(graph: Graph, scope: str) -> History:
    """The scope's event tables; incidents carry the failure mode they are grouped into."""
    components = [
        ComponentRec(str(r["name"]), str(r["kind"] or "other"))
        for r in graph.read(queries.READ_COMPONENTS, scope=scope)
        if r["name"]
    ]
    edges = [
        (str(r["src"]), str(r["dst"])) for r in graph.read(queries.READ_DEPENDENCIES, scope=scope)
    ]
    changes: list[ChangeRec] = []
    for r in graph.read(queries.READ_CHANGES, scope=scope):
        at = _native(r["at"])
        for service in dict.fromkeys(s for s in r["services"] or [] if s):
            changes.append(
                ChangeRec(
                    str(r["change_id"]), str(r["kind"] or "other"), service, at, r["flag_key"]
                )
            )
    anomalies = [
        AnomalyRec(
            str(r["service"]),
            str(r["metric"] or "other"),
            str(r["direction"] or "up"),
            _native(r["at"]),
        )
        for r in graph.read(queries.READ_ANOMALIES, scope=scope)
    ]
    alerts = [
        AlertRec(
            str(r["service"]), str(r["name"] or "alert"), _native(r["at"]), str(r["severity"] or "")
        )
        for r in graph.read(queries.READ_ALERTS, scope=scope)
    ]
    causes, _ = read_causes(graph, scope)
    modes = group_modes(causes)
    mode_of = {i: m for m in modes.values() for i in m.incidents}
    incidents = []
    for c in causes:
        m = mode_of[c.incident_uid]
        incidents.append(
            IncidentRec(c.incident_id, m.service, m.cause_kind, m.signature, _native(c.started_at))
        )
    names = {c.name for c in components}
    # services that only appear in events still get rows
    for extra in sorted({i.service for i in incidents} - names):
        components.append(ComponentRec(extra, "other"))
    times = [c.at for c in changes] + [i.started_at for i in incidents]
    times += [a.at for a in anomalies] + [a.at for a in alerts]
    if not times:
        raise NotFoundError(f"scope {scope!r} has no changes, incidents, anomalies or alerts")
    history = History(scope, min(times), max(times), components, edges)
    history.changes, history.incidents = changes, incidents
    history.anomalies, history.alerts = anomalies, alerts
    history.sort()
    return history


# --- train and forecast -----------------------------------------------------------------------


def train_service(
    graph: Graph,
    options: ForecastOptions,
    scope: str,
    *,
    config: ForecastConfig | None = None,
    out: Path | None = None,
    until: datetime | None = None,
) -> tuple[ForecastModel, Path]:
    """Fit a model on the scope's history (up to ``until``) and save it (to ``out``, default
    ``options.model_path``); returns it and its path."""
    history = load_history(graph, scope)
    model = ForecastModel(config).fit(history, until=until)
    path = model.save(out or options.model_path)
    return model, path


@dataclass(frozen=True, slots=True)
class ForecastRun:
    forecasts: list[Forecast]
    modes: ModesReport
    written: int
    at: datetime


def run_forecast(
    graph: Graph,
    options: ForecastOptions,
    scope: str = "default",
    horizon: str | None = None,
    model: ForecastModel | Path | None = None,
    *,
    at: datetime | None = None,
    write: bool = True,
    changes: bool = True,
) -> ForecastRun:
    """Forecast at ``at`` (default: now); with ``write``, build the scope's :FailureMode nodes
    and write the forecasts back (without it, nothing in the graph changes)."""
    if horizon is not None and horizon not in HORIZONS:
        raise InputError(f"unknown horizon {horizon!r}; use one of {', '.join(HORIZONS)}")
    if not isinstance(model, ForecastModel):
        model = ForecastModel.load(model or options.model_path)
    when = (at or datetime.now(UTC)).astimezone(UTC)
    if write:  # the forecasts written point at the :FailureMode nodes
        report = build_failure_modes(graph, scope)
    else:  # read only: group the modes in memory
        causes, skipped = read_causes(graph, scope)
        report = ModesReport(len(causes), len(group_modes(causes)), skipped)
    history = load_history(graph, scope)
    horizons = (horizon,) if horizon else tuple(model.estimators)
    forecasts = model.predict(history, when, horizons=horizons, changes=changes)
    written = write_forecasts(graph, scope, forecasts, horizons=horizons) if write else 0
    return ForecastRun(forecasts, report, written, when)


def forecast_service(
    graph: Graph,
    options: ForecastOptions,
    scope: str = "default",
    horizon: str | None = None,
    model: ForecastModel | Path | None = None,
    *,
    at: datetime | None = None,
    write: bool = True,
) -> list[Forecast]:
    """Forecasts for every service × failure mode (and pending/recent change) of ``scope``.

    ``horizon``: ``24h``, ``7d`` or None (every horizon the model has); ``model``: a model,
    a model file, or None (``options.model_path``); ``at``: the moment forecast from (default
    now); ``write``: also write them to the graph (replacing the scope's previous forecasts of
    those horizons). Raises NotFoundError when there is no model file or no history.
    """
    return run_forecast(graph, options, scope, horizon, model, at=at, write=write).forecasts


def write_forecasts(
    graph: Graph,
    scope: str,
    forecasts: list[Forecast],
    *,
    horizons: tuple[str, ...],
    batch_size: int = 2000,
) -> int:
    """Replace the scope's forecasts of ``horizons`` with ``forecasts``; returns nodes written."""
    graph.write(queries.DELETE_FORECASTS, scope=scope, horizons=list(horizons))
    service_rows: list[dict[str, Any]] = []
    change_rows: list[dict[str, Any]] = []
    for f in forecasts:
        key = (f.horizon, f.service, f.change_id or "-", f.mode)
        row = {
            "uid": uid(scope, "Forecast", *key),
            "source_ref": "|".join(key),
            "horizon": f.horizon,
            "probability": f.probability,
            "made_at": f.at,
            "model": f.model,
            "drivers": json.dumps([d.to_json() for d in f.drivers]),
            "mode_uid": uid(scope, "FailureMode", f.mode),
            "service": f.service,
            "change_id": f.change_id,
        }
        (change_rows if f.change_id else service_rows).append(row)
    extra = {"scope": scope, "source": "rcagraph.forecast", "version": FORECAST_VERSION}
    stats = WriteStats()
    if service_rows:
        stats.add(
            graph.write_batches(
                queries.WRITE_SERVICE_FORECASTS, service_rows, batch_size=batch_size, extra=extra
            )
        )
    if change_rows:
        stats.add(
            graph.write_batches(
                queries.WRITE_CHANGE_FORECASTS, change_rows, batch_size=batch_size, extra=extra
            )
        )
    return stats.nodes_created


def read_forecasts(graph: Graph, scope: str, horizon: str | None = None) -> list[dict[str, Any]]:
    """The forecasts written to the scope, most probable first."""
    rows = graph.read(queries.READ_FORECASTS, scope=scope, horizon=horizon)
    for r in rows:
        r["drivers"] = json.loads(r["drivers"]) if r["drivers"] else []
        if r["made_at"] is not None:
            r["made_at"] = _native(r["made_at"])
    return rows
