"""The one core object behind the CLI, the API, the notebooks and the tests.

``RcaGraph`` holds an injected ``neo4j.Driver`` and the settings, and composes the services:
each takes the graph and a small options object built here from the settings (never this
object), so the CLI and the API stay thin and the services never point back at the core.
Every use case is one method here: load (a bundle, a bundle into its own scope, a receiver's
payload through :attr:`receivers`), rank and write back, evaluate, train, forecast, and the
post-mortem workflow (:attr:`workflow`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import neo4j

from rcagraph.audited_loads import IngestAudit
from rcagraph.connection import open_driver
from rcagraph.engine.base import Ranker
from rcagraph.engine.result import Ranking
from rcagraph.engine.service import EvalReport, rank_incident
from rcagraph.engine.training import RankerKind, TrainingSet, train, training_set
from rcagraph.engine.writeback import Hypothesis, read_hypotheses, write_back
from rcagraph.forecast.model import Forecast, ForecastConfig, ForecastModel
from rcagraph.forecast.service import (
    ForecastOptions,
    ForecastRun,
    forecast_service,
    run_forecast,
    train_service,
)
from rcagraph.graph import Graph, Query
from rcagraph.ids import DEFAULT_SCOPE, uid
from rcagraph.loaders.base import LoadOptions, LoadReport
from rcagraph.loaders.bundle import delete_scope, load_bundle
from rcagraph.loaders.receivers import Receiver, Receivers
from rcagraph.postmortem.common import Actor
from rcagraph.postmortem.policy import SeverityPolicy
from rcagraph.postmortem.workflow import Workflow
from rcagraph.schema.migrations import Migration, apply_migrations, schema_version
from rcagraph.scoped_bundles import (
    LabelledBundle,
    ScopedBundle,
    evaluate_bundles,
    load_labelled_bundle,
    load_scoped_bundle,
    rank_bundle,
)
from rcagraph.settings import Settings
from rcagraph.timeline import IncidentTimeline, incident_timeline

_COUNT_LABELS = Query(
    "core.count_labels",
    "MATCH (n) WHERE $scope IS NULL OR n.scope = $scope "
    "UNWIND labels(n) AS label RETURN label, count(*) AS count ORDER BY label",
)
_COUNT_RELS = Query(
    "core.count_relationships",
    "MATCH (a)-[r]->() WHERE $scope IS NULL OR a.scope = $scope "
    "RETURN type(r) AS type, count(*) AS count ORDER BY type",
)
_SERVER_VERSION = Query(
    "core.server_version",
    "CALL dbms.components() YIELD name, versions, edition "
    "RETURN name, versions[0] AS version, edition",
)


class RcaGraph:
    """rcagraph over one Neo4j database.

    ``policy``: the post-mortem workflow's severity policy (due dates, approvals).
    """

    def __init__(
        self,
        driver: neo4j.Driver,
        settings: Settings,
        *,
        owns_driver: bool = False,
        policy: SeverityPolicy | None = None,
    ):
        self.settings = settings
        self.driver = driver
        self.graph = Graph(driver, settings.neo4j_database)
        self._owns_driver = owns_driver
        self.load_options = LoadOptions(
            data_dir=settings.raw_data_dir,
            batch_size=settings.batch_size,
            redactor=settings.redactor(),
        )
        self.forecast_options = ForecastOptions.of(settings)
        #: the HTTP receivers' payloads and bundle archives, loaded by the bundle loaders
        self.receivers = Receivers(self.graph, self.load_options)
        #: the post-mortem workflow: incidents, hypotheses and verdicts, post-mortems, actions,
        #: verification, KPIs, audit trail, tokens
        self.workflow = Workflow.create(self.graph, policy)

    @classmethod
    def open(cls, settings: Settings, *, policy: SeverityPolicy | None = None) -> Self:
        """Connect as ``settings`` say; the returned object owns (and closes) its driver."""
        return cls(open_driver(settings), settings, owns_driver=True, policy=policy)

    def close(self) -> None:
        if self._owns_driver:
            self.driver.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- schema ---------------------------------------------------------------------------

    def apply_schema(self) -> list[Migration]:
        return apply_migrations(self.graph)

    def schema_version(self) -> int:
        return schema_version(self.graph)

    # -- inspection -----------------------------------------------------------------------

    def server_info(self) -> dict[str, Any]:
        row = self.graph.read_one(_SERVER_VERSION)
        return row or {}

    def counts(self, scope: str | None = None) -> dict[str, dict[str, int]]:
        """Node counts per label and relationship counts per type (optionally in a scope)."""
        nodes = {r["label"]: int(r["count"]) for r in self.graph.read(_COUNT_LABELS, scope=scope)}
        rels = {r["type"]: int(r["count"]) for r in self.graph.read(_COUNT_RELS, scope=scope)}
        return {"nodes": nodes, "relationships": rels}

    # -- loading --------------------------------------------------------------------------

    def load_bundle(
        self,
        bundle_dir: Path | str,
        scope: str | None = None,
        report_dir: Path | None = None,
        progress: bool | None = False,
    ) -> LoadReport:
        """Load an incident bundle into ``scope`` (:func:`rcagraph.loaders.bundle.load_bundle`)."""
        return load_bundle(
            self.graph,
            bundle_dir,
            self.load_options,
            scope=scope,
            report_dir=report_dir,
            progress=progress,
        )

    def load_scoped_bundle(self, path: Path, *, fresh: bool = False) -> ScopedBundle:
        """Load a bundle into its own scope ``bundle:<incident id>`` (``fresh``: emptied first)."""
        return load_scoped_bundle(self.graph, path, self.load_options, fresh=fresh)

    def load_labelled_bundle(self, path: Path, *, fresh: bool = False) -> LabelledBundle:
        """Load a labelled bundle into its own scope, with the truth of its ``truth.json``."""
        return load_labelled_bundle(self.graph, path, self.load_options, fresh=fresh)

    def receive(self, kind: Receiver, payload: Any, scope: str, actor: Actor) -> LoadReport:
        """A receiver's payload sent by ``actor``: its records, their edges and its audit entry
        in one transaction, keyed on the delivery (:mod:`rcagraph.audited_loads`)."""
        ack = IngestAudit(self.workflow.audit, actor, kind, scope)
        return self.receivers.receive_json(kind, payload, scope, ack)

    def receive_archive(self, data: bytes, scope: str | None, actor: Actor) -> LoadReport:
        """A bundle archive sent by ``actor``, bracketed by its audit entries (the last one
        commits with the ``:Load`` record)."""
        ack = IngestAudit(self.workflow.audit, actor, "bundle", scope or DEFAULT_SCOPE)
        return self.receivers.load_archive(data, scope, ack)

    def delete_scope(self, scope: str) -> None:
        """Remove every node of ``scope`` (and its relationships)."""
        delete_scope(self.graph, scope)

    # -- ranking --------------------------------------------------------------------------

    def rank(
        self, incident_id: str, scope: str = "default", ranker: Ranker | None = None
    ) -> Ranking:
        """Ranked root-cause hypotheses of an incident in ``scope`` (default scorer unless a
        ranker is given). Reads that scope only; writes nothing (see ``engine.service``)."""
        return rank_incident(self.graph, incident_id, scope, ranker)

    def rank_bundle(self, path: Path, ranker: Ranker | None = None) -> Ranking:
        """Load a bundle into its own scope and rank its incident (timings: load, rank)."""
        return rank_bundle(self.graph, path, self.load_options, ranker)

    def write_back(self, ranking: Ranking, run_id: str | None = None) -> str:
        """Write a ranking to the graph as hypotheses with evidence; returns the run id."""
        return write_back(self.graph, ranking, run_id)

    def hypotheses(
        self, incident_id: str, scope: str = "default", *, all_runs: bool = False
    ) -> list[Hypothesis]:
        """The written hypotheses of an incident: the newest run's (every run's with
        ``all_runs``), by rank."""
        return read_hypotheses(self.graph, uid(scope, "Incident", incident_id), all_runs=all_runs)

    def incident_timeline(
        self, incident_id: str, scope: str | None = None, actor: Actor | None = None
    ) -> IncidentTimeline:
        """The incident's timeline (the symptom and top candidates' stored metric series over
        its window, changes, alerts, anomalies and log episodes with their provenance) and its
        dependency subgraph with the blamed path; the incident is resolved in the scopes
        ``actor`` sees (see :mod:`rcagraph.timeline`)."""
        incident = self.workflow.incidents.get(incident_id, scope, actor)
        hypotheses = self.workflow.hypotheses.for_incident_uid(incident.uid)
        return incident_timeline(self.graph, self.settings.raw_data_dir, incident, hypotheses)

    def evaluate(self, bundles: Sequence[Path], ranker: Ranker | None = None) -> EvalReport:
        """Load each labelled bundle into its own scope, rank it and score the rankings."""
        return evaluate_bundles(self.graph, bundles, self.load_options, ranker)

    # -- training -------------------------------------------------------------------------

    def training_set(
        self,
        bundles: Sequence[Path] = (),
        *,
        from_graph: bool = False,
        scope: str | None = None,
        since: datetime | None = None,
    ) -> TrainingSet:
        """The labelled incidents to train on: the labelled ``bundles`` (each loaded into its
        own scope) and, with ``from_graph``, the graph's incidents that responders' verdicts
        label (:func:`rcagraph.engine.training.training_set`)."""
        labelled = [self.load_labelled_bundle(b) for b in bundles]
        return training_set(self.graph, labelled, from_graph=from_graph, scope=scope, since=since)

    def train(
        self, training: TrainingSet, ranker: RankerKind = "learned", out: Path | None = None
    ) -> Ranker:
        """Fit a ranker on a training set and save it to ``out`` (if given)."""
        return train(training.examples, ranker, out)

    # -- forecasting ----------------------------------------------------------------------

    def forecast(
        self,
        scope: str = "default",
        horizon: str | None = None,
        model: ForecastModel | Path | None = None,
        *,
        at: datetime | None = None,
        write: bool = True,
    ) -> list[Forecast]:
        """Incident forecasts per service × failure mode (and pending/recent change) of
        ``scope`` at ``at`` (default now); written back as ``:Forecast`` unless ``write`` is
        False (see ``forecast.service``)."""
        return forecast_service(
            self.graph, self.forecast_options, scope, horizon, model, at=at, write=write
        )

    def run_forecast(
        self,
        scope: str = "default",
        horizon: str | None = None,
        model: ForecastModel | Path | None = None,
        *,
        at: datetime | None = None,
        write: bool = True,
    ) -> ForecastRun:
        """:meth:`forecast`, with the failure modes built and the moment forecast from."""
        return run_forecast(
            self.graph, self.forecast_options, scope, horizon, model, at=at, write=write
        )

    def train_forecast(
        self,
        scope: str = "default",
        *,
        config: ForecastConfig | None = None,
        out: Path | None = None,
        until: datetime | None = None,
    ) -> tuple[ForecastModel, Path]:
        """Fit the forecast model on the scope's history (before ``until``) and save it
        (default: ``HOME/models/forecast.joblib``); returns it and its path."""
        return train_service(
            self.graph, self.forecast_options, scope, config=config, out=out, until=until
        )
