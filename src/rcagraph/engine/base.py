"""The interface every ranker implements: the default scorer, the learned ranker, the baselines.

A ranker turns an :class:`~rcagraph.engine.view.IncidentView` into a
:class:`~rcagraph.engine.result.Ranking`. Rankers that learn from history implement ``fit`` on
``(view, truth)`` pairs; rankers that do not simply return ``self``. ``save``/``load`` persist a
ranker (its config and, if any, its fitted state).

:class:`Truth` is the known root cause of a labelled incident, as ``truth.json`` gives it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Self, runtime_checkable

from pydantic import BaseModel

from rcagraph.engine.result import Candidate, Ranking
from rcagraph.engine.view import CauseKind, IncidentView
from rcagraph.errors import InputError

TRUTH_KINDS: tuple[CauseKind, ...] = ("deploy", "flag", "config", "infra", "service")


@dataclass(frozen=True, slots=True)
class Truth:
    """The known root cause: ``kind`` (deploy, flag, config, infra, service), the service, and
    for a change the id it carries in its own source (``None`` for kind ``service``)."""

    kind: CauseKind
    service: str | None
    change_id: str | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, file: str | None = None) -> Truth:
        """Parse the content of ``truth.json`` (``{"root_cause": {...}}``) or the inner object."""
        rc = data.get("root_cause", data)
        if not isinstance(rc, Mapping):
            raise InputError("root_cause must be an object", file=file, pointer="/root_cause")
        kind = rc.get("kind")
        if kind not in TRUTH_KINDS:
            raise InputError(
                f"root_cause.kind must be one of {', '.join(TRUTH_KINDS)}, got {kind!r}",
                file=file,
                pointer="/root_cause/kind",
                field="kind",
            )
        service = rc.get("service")
        change_id = rc.get("change_id")
        return cls(
            kind=kind,
            service=str(service) if service is not None else None,
            change_id=str(change_id) if change_id is not None else None,
        )

    @classmethod
    def read(cls, path: Path) -> Truth:
        """Read ``truth.json`` (a file, or a bundle directory holding one)."""
        if path.is_dir():
            path = path / "truth.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise InputError("truth.json not found", file=str(path)) from exc
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", file=str(path), line=exc.lineno) from exc
        if not isinstance(data, Mapping):
            raise InputError("truth.json must hold an object", file=str(path), pointer="")
        return cls.from_json(data, file=str(path))

    # -- the contract's scoring -------------------------------------------------------------

    def change_hit(self, candidate: Candidate) -> bool:
        """A change-level hit: same change id (for kind ``service``: a service candidate on the
        same service)."""
        if self.kind == "service":
            return candidate.kind == "service" and candidate.service == self.service
        return candidate.change_id is not None and candidate.change_id == self.change_id

    def service_hit(self, candidate: Candidate) -> bool:
        """A service-level hit: the candidate names the truth's service."""
        return self.service is not None and candidate.service == self.service


@runtime_checkable
class Ranker(Protocol):
    """What every ranker offers. ``name`` identifies it in rankings and write-backs;
    ``config`` is a pydantic model holding all its settings."""

    name: str

    @property
    def config(self) -> BaseModel:
        """The ranker's settings (a plain attribute in implementations)."""
        ...

    def fit(self, examples: Sequence[tuple[IncidentView, Truth]]) -> Self:
        """Learn from labelled incidents (a no-op returning ``self`` for rankers that don't)."""
        ...

    def rank(self, view: IncidentView) -> Ranking:
        """Rank the root-cause candidates of one incident, best first."""
        ...

    def save(self, path: Path) -> None:
        """Persist the ranker (config and fitted state) to ``path``."""
        ...

    @classmethod
    def load(cls, path: Path) -> Self:
        """Restore a ranker saved by :meth:`save`."""
        ...
