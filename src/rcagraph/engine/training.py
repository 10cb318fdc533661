"""Training a ranker: on labelled bundles, on the graph's verdicts, or on both.

:func:`training_set` gathers the labelled incidents as ``(view, truth)`` examples — each
labelled bundle already loaded into its own scope (truth from its ``truth.json``, see
:mod:`rcagraph.scoped_bundles`) and, with ``from_graph``, the incidents whose hypotheses
responders judged (:func:`rcagraph.engine.verdicts.labelled_incidents`; an incident also given
as a bundle counts once, as the bundle). :func:`train` fits a ranker on them and saves it as a
versioned model file. ``rcagraph train``, the benchmarks and the notebooks reach both through
:meth:`rcagraph.core.RcaGraph.training_set` and :meth:`rcagraph.core.RcaGraph.train`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from rcagraph.engine.base import Ranker, Truth
from rcagraph.engine.extract import ExtractConfig, extract_view
from rcagraph.engine.learned import LearnedConfig, LearnedRanker
from rcagraph.engine.scorer import DefaultScorer
from rcagraph.engine.verdicts import LabelledHistory, labelled_incidents
from rcagraph.engine.view import IncidentView
from rcagraph.errors import ModelError
from rcagraph.graph import Graph

RankerKind = Literal["learned", "default"]
#: the rankers that can be trained: the learned ranker, the default scorer (priors + calibration)
RANKER_KINDS: tuple[RankerKind, ...] = ("learned", "default")

Example = tuple[IncidentView, Truth]


class LabelledScope(Protocol):
    """An incident loaded into its own scope, with its known root cause."""

    @property
    def scope(self) -> str: ...

    @property
    def incident_id(self) -> str: ...

    @property
    def truth(self) -> Truth: ...


@dataclass(slots=True)
class TrainingSet:
    """The examples to train on: those of the bundles first, then those of the graph."""

    examples: list[Example] = field(default_factory=list)
    #: how many examples came from labelled bundles
    from_bundles: int = 0
    #: the graph's labelled incidents (and the ones skipped, with why), when asked for
    from_graph: LabelledHistory | None = None

    def __len__(self) -> int:
        return len(self.examples)


def training_set(
    graph: Graph,
    bundles: Sequence[LabelledScope] = (),
    *,
    from_graph: bool = False,
    scope: str | None = None,
    since: datetime | None = None,
    extract: ExtractConfig | None = None,
) -> TrainingSet:
    """The views and truths of ``bundles`` and, with ``from_graph``, of the graph's incidents
    (of ``scope``, every scope if None; started at or after ``since``) whose verdicts give a
    truth, leaving out the incidents already given as bundles."""
    examples = [(extract_view(graph, b.incident_id, b.scope, extract), b.truth) for b in bundles]
    history = None
    if from_graph:
        given = {(b.scope, b.incident_id) for b in bundles}
        history = labelled_incidents(graph, scope, since, exclude=given, extract=extract)
        examples.extend(history.examples())
    return TrainingSet(examples, len(bundles), history)


def min_training_incidents(kind: RankerKind) -> int:
    """Fewest labelled incidents a ranker trains on: the learned ranker needs as many as its
    calibration folds (fewer cannot even be calibrated); the default scorer one."""
    return LearnedConfig().cv if kind == "learned" else 1


def new_ranker(kind: RankerKind) -> Ranker:
    """An untrained ranker of ``kind``."""
    return LearnedRanker() if kind == "learned" else DefaultScorer()


def train(
    examples: Sequence[Example], kind: RankerKind = "learned", out: Path | None = None
) -> Ranker:
    """Fit a ranker of ``kind`` on ``examples`` and save it to ``out`` (if given).

    Raises ModelError when there are fewer examples than :func:`min_training_incidents`.
    """
    need = min_training_incidents(kind)
    if len(examples) < need:
        raise ModelError(
            f"the {kind} ranker needs at least {need} labelled incidents, got "
            f"{len(examples)}: confirm hypotheses of more incidents "
            "(POST /api/v1/hypotheses/{uid}/verdict), add labelled bundles"
            + (", or train --ranker default" if kind == "learned" else "")
        )
    model = new_ranker(kind)
    model.fit(list(examples))
    if out is not None:
        model.save(out)
    return model
