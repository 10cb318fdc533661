"""Priors counted on labelled incidents: how often a candidate of (service, kind) was the cause.

Both rankers learn them (:func:`learn_priors`) and feed them in as the features
``prior_service_kind`` and ``prior_kind``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rcagraph.engine.base import Truth
from rcagraph.engine.features.candidate import CandidateFeatures
from rcagraph.engine.view import IncidentView


@dataclass(slots=True)
class Priors:
    """Counts from labelled incidents: how often a candidate of (service, kind) was the cause."""

    service_kind: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    kind: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add(self, service: str | None, kind: str, hit: bool, sign: int = 1) -> None:
        h, s = self.kind.get(kind, (0, 0))
        self.kind[kind] = (h + sign * int(hit), s + sign)
        key = (service or "", kind)
        h, s = self.service_kind.get(key, (0, 0))
        self.service_kind[key] = (h + sign * int(hit), s + sign)

    def features(self, service: str | None, kind: str) -> tuple[float, float]:
        h, s = self.service_kind.get((service or "", kind), (0, 0))
        hk, sk = self.kind.get(kind, (0, 0))
        return (h + 1) / (s + 2) - 0.5, (hk + 1) / (sk + 2) - 0.5

    def to_json(self) -> dict[str, list[list[object]]]:
        return {
            "service_kind": [[k[0], k[1], v[0], v[1]] for k, v in self.service_kind.items()],
            "kind": [[k, v[0], v[1]] for k, v in self.kind.items()],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, list[list[object]]]) -> Priors:
        p = cls()
        for sv, kd, h, s in data.get("service_kind", []):
            p.service_kind[(str(sv), str(kd))] = (int(str(h)), int(str(s)))
        for kd, h, s in data.get("kind", []):
            p.kind[str(kd)] = (int(str(h)), int(str(s)))
        return p


def learn_priors(
    labelled: Sequence[tuple[IncidentView, Truth, list[CandidateFeatures], list[bool]]],
) -> Priors:
    """Count every candidate of the labelled incidents (``(view, truth, candidates, hits)`` as
    :func:`~rcagraph.engine.features.labelled.labelled_candidates` gives them)."""
    priors = Priors()
    for _, _, cands, hits in labelled:
        for c, h in zip(cands, hits, strict=True):
            priors.add(c.service, c.kind, h)
    return priors
