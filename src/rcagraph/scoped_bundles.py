"""A bundle in its own scope, ``bundle:<incident id>``: loaded (with its truth when labelled),
ranked, evaluated.

``rcagraph rank BUNDLE``, ``rcagraph train``, ``rcagraph eval`` and the accuracy benchmark load
bundles this way, so one bundle's records never meet another's; :class:`LabelledBundle` is what
:func:`rcagraph.engine.training.training_set` takes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rcagraph.engine.base import Ranker, Truth
from rcagraph.engine.result import Ranking
from rcagraph.engine.service import EvalReport, Evaluated, evaluate, rank_incident
from rcagraph.graph import Graph
from rcagraph.ids import bundle_scope
from rcagraph.loaders.base import LoadOptions, LoadReport
from rcagraph.loaders.bundle import delete_scope, load_bundle
from rcagraph.loaders.incident import read_incident


@dataclass(frozen=True, slots=True)
class ScopedBundle:
    """A bundle loaded into its own scope: its incident, the scope, the load and its time."""

    path: Path
    incident_id: str
    system: str | None
    scope: str
    load_ms: float
    report: LoadReport


@dataclass(frozen=True, slots=True)
class LabelledBundle(ScopedBundle):
    """A labelled bundle (with ``truth.json``) loaded into its own scope, and its truth."""

    truth: Truth


def load_scoped_bundle(
    graph: Graph, path: Path, options: LoadOptions, *, fresh: bool = False
) -> ScopedBundle:
    """Load the bundle at ``path`` into ``bundle:<incident id>``; with ``fresh``, delete what
    that scope held first (else a reload merges into it). ``load_ms`` times the load alone."""
    incident = read_incident(path)
    scope = bundle_scope(incident.id)
    if fresh:
        delete_scope(graph, scope)
    t0 = time.perf_counter()
    report = load_bundle(graph, path, options, scope=scope, progress=False)
    load_ms = (time.perf_counter() - t0) * 1000
    return ScopedBundle(path, incident.id, incident.system, scope, load_ms, report)


def load_labelled_bundle(
    graph: Graph, path: Path, options: LoadOptions, *, fresh: bool = False
) -> LabelledBundle:
    """Read the bundle's truth (InputError without a readable ``truth.json``, before anything is
    loaded), then load it as :func:`load_scoped_bundle` does."""
    truth = Truth.read(path)
    b = load_scoped_bundle(graph, path, options, fresh=fresh)
    return LabelledBundle(b.path, b.incident_id, b.system, b.scope, b.load_ms, b.report, truth)


def rank_bundle(
    graph: Graph, path: Path, options: LoadOptions, ranker: Ranker | None = None
) -> Ranking:
    """Load the bundle into its own scope and rank its incident; ``timings_ms`` holds ``load``
    and ``rank`` (view extraction + scoring)."""
    loaded = load_scoped_bundle(graph, path, options)
    ranking = rank_incident(graph, loaded.incident_id, loaded.scope, ranker)
    ranking.timings_ms = {"load": loaded.load_ms, "rank": ranking.timings_ms["rank"]}
    return ranking


def evaluate_bundles(
    graph: Graph, paths: Sequence[Path], options: LoadOptions, ranker: Ranker | None = None
) -> EvalReport:
    """Load each labelled bundle into its own scope, rank it, and score the rankings against
    the truths (:func:`rcagraph.engine.service.evaluate`)."""
    items: list[Evaluated] = []
    for path in paths:
        b = load_labelled_bundle(graph, path, options)
        ranking = rank_incident(graph, b.incident_id, b.scope, ranker)
        items.append(Evaluated(ranking, b.truth, b.system))
    return evaluate(items)
