"""The one core object behind the CLI, the API, the notebooks and the tests.

``RcaGraph`` holds an injected ``neo4j.Driver`` and the settings; every capability (loading,
ranking, post-mortems, forecasts) is reached from it, so the CLI and the API stay thin.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import neo4j

from rcagraph.connection import open_driver
from rcagraph.graph import Graph, Query
from rcagraph.schema.migrations import Migration, apply_migrations, schema_version
from rcagraph.settings import Settings

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from rcagraph.engine.base import Ranker
    from rcagraph.engine.result import Ranking
    from rcagraph.forecast.model import Forecast, ForecastModel
    from rcagraph.loaders.base import LoadReport

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
_DELETE_SCOPE = Query(
    "core.delete_scope",
    "MATCH (n) WHERE n.scope = $scope CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS",
)


class RcaGraph:
    """rcagraph over one Neo4j database."""

    def __init__(self, driver: neo4j.Driver, settings: Settings, *, owns_driver: bool = False):
        self.settings = settings
        self.driver = driver
        self.graph = Graph(driver, settings.neo4j_database)
        self._owns_driver = owns_driver

    @classmethod
    def open(cls, settings: Settings) -> Self:
        """Connect as ``settings`` say; the returned object owns (and closes) its driver."""
        return cls(open_driver(settings), settings, owns_driver=True)

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
        from rcagraph.loaders.bundle import load_bundle

        return load_bundle(self, bundle_dir, scope=scope, report_dir=report_dir, progress=progress)

    def delete_scope(self, scope: str) -> None:
        """Remove every node of ``scope`` (and its relationships)."""
        self.graph.run_autocommit(_DELETE_SCOPE, scope=scope)

    # -- ranking --------------------------------------------------------------------------

    def rank(
        self, incident_id: str, scope: str = "default", ranker: Ranker | None = None
    ) -> Ranking:
        """Ranked root-cause hypotheses of an incident in ``scope`` (default scorer unless a
        ranker is given). Reads that scope only; writes nothing (see ``engine.service``)."""
        from rcagraph.engine.service import rank_incident

        return rank_incident(self, incident_id, scope, ranker)

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
        from rcagraph.forecast.service import forecast_service

        return forecast_service(self, scope, horizon, model, at=at, write=write)
