"""One root-cause candidate with its features, evidence and path, before scoring."""

from __future__ import annotations

from dataclasses import dataclass, field

from rcagraph.engine.features.catalogue import FEATURE_NAMES
from rcagraph.engine.result import Evidence
from rcagraph.engine.view import CauseKind, ChangeEvent


@dataclass(slots=True)
class CandidateFeatures:
    """One candidate with its features, evidence and path (before scoring)."""

    kind: CauseKind
    service: str | None
    change: ChangeEvent | None
    features: dict[str, float]
    path: tuple[str, ...] = ()
    evidence: list[Evidence] = field(default_factory=list)
    target_uid: str | None = None

    @property
    def change_id(self) -> str | None:
        return self.change.change_id if self.change else None

    def vector(self) -> list[float]:
        return [self.features.get(n, 0.0) for n in FEATURE_NAMES]
