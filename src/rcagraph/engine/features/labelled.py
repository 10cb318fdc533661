"""The candidates of labelled incidents, each marked whether it is the known cause (the rows
both rankers learn from)."""

from __future__ import annotations

from collections.abc import Sequence

from rcagraph.engine.base import Truth
from rcagraph.engine.features.build import build_candidates
from rcagraph.engine.features.candidate import CandidateFeatures
from rcagraph.engine.features.config import FeatureConfig
from rcagraph.engine.features.priors import Priors
from rcagraph.engine.view import IncidentView


def labelled_candidates(
    examples: Sequence[tuple[IncidentView, Truth]], fcfg: FeatureConfig, priors: Priors | None
) -> list[tuple[IncidentView, Truth, list[CandidateFeatures], list[bool]]]:
    """Every labelled incident with its candidates and, per candidate, whether it is the cause."""
    out = []
    for view, truth in examples:
        cands = build_candidates(view, fcfg, priors)
        hits = [is_hit(truth, c) for c in cands]
        out.append((view, truth, cands, hits))
    return out


def is_hit(truth: Truth, c: CandidateFeatures) -> bool:
    """Whether ``c`` is the known cause: a change-level hit as the contract defines it."""
    if truth.kind == "service":
        return c.kind == "service" and c.service == truth.service
    return c.change_id is not None and c.change_id == truth.change_id
