"""Labelled incidents in the graph: responders' verdicts on hypotheses as training truth.

Responders confirm or refute the hypotheses the engine wrote back (``verdict`` on the
``:Hypothesis`` node, see :mod:`rcagraph.postmortem.hypotheses`). :func:`labelled_incidents`
turns those verdicts into :class:`~rcagraph.engine.base.Truth` values — the same truth a bundle's
``truth.json`` gives — and extracts each labelled incident's view, so ``rcagraph train`` can
learn from the graph's history as it learns from labelled bundles.

How a verdict becomes a truth (decisions):

* The **candidate** a hypothesis names is its ``BLAMES`` node: a ``:Change`` gives kind
  :func:`~rcagraph.engine.view.cause_kind` of the change's kind (deploy, flag, config, infra)
  and the change's own ``change_id`` (the id it carries in its source, as the contract defines
  it); a ``:Component`` gives kind ``service`` and the component's name. Without a ``BLAMES``
  node (e.g. the change was deleted since), the hypothesis's own ``kind``/``service``/
  ``change_id`` are used. The truth's ``service`` for a change is the hypothesis's service (the
  component the ranker placed the change on), else the change's ``service``.
* The same candidate may have been ranked in several runs and judged more than once: per
  candidate (a change by its ``change_id``, a component by its name) the **newest verdict
  stands** (``verdict_at``), so "refuted later" overrides "confirmed earlier" and vice versa.
* If, after that, several distinct candidates stand confirmed:
  a change and the ``service`` candidate(s) of the very component the change was placed on are
  one story — the **change is the truth** (it is the more specific answer, and the contract's
  truth for a change-caused fault is the change). Any other combination (two changes, two
  components, a change and an unrelated component) is **skipped as conflicting**: a learned
  ranker is better without an example than with a wrong one. A responder resolves it by
  refuting the wrong hypothesis.
* An incident whose standing verdicts are all refutations gives no truth: **skipped, only
  refuted**. Refuted candidates are not added as extra negatives: the pointwise learned ranker
  already takes every candidate that is not the truth as a negative.
* An incident with hypotheses but no verdict at all is **skipped, not reviewed**; one whose
  view cannot be extracted (e.g. no ``started_at``) is **skipped, not extractable**.
* ``since`` filters on the incident's ``started_at`` (else ``detected_at``), not on when the
  verdict was given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from rcagraph.engine import verdict_queries as vq
from rcagraph.engine.base import TRUTH_KINDS, Truth
from rcagraph.engine.extract import ExtractConfig, extract_view, to_datetime
from rcagraph.engine.view import IncidentView, cause_kind
from rcagraph.errors import NotFoundError
from rcagraph.graph import Graph

SkipReason = Literal["only_refuted", "conflicting", "not_reviewed", "no_truth", "not_extractable"]

#: how each skip reason reads in reports
SKIP_REASONS: dict[SkipReason, str] = {
    "only_refuted": "only refuted hypotheses",
    "conflicting": "conflicting confirmations",
    "not_reviewed": "no verdict yet",
    "no_truth": "the confirmed hypothesis names no usable cause",
    "not_extractable": "the incident's view cannot be extracted",
}

_MIN_TIME = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Verdict:
    """One judged hypothesis, as read from the graph (target = the node it ``BLAMES``)."""

    hypothesis_uid: str
    verdict: str
    verdict_by: str | None = None
    verdict_at: datetime | None = None
    run_id: str | None = None
    kind: str | None = None
    service: str | None = None
    change_id: str | None = None
    target_labels: tuple[str, ...] = ()
    target_kind: str | None = None
    target_change_id: str | None = None
    target_name: str | None = None
    target_service: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Verdict:
        def opt(key: str) -> str | None:
            v = row.get(key)
            return str(v) if v is not None else None

        return cls(
            hypothesis_uid=str(row["uid"]),
            verdict=str(row["verdict"]),
            verdict_by=opt("verdict_by"),
            verdict_at=to_datetime(row.get("verdict_at")),
            run_id=opt("run_id"),
            kind=opt("kind"),
            service=opt("service"),
            change_id=opt("change_id"),
            target_labels=tuple(row.get("target_labels") or ()),
            target_kind=opt("target_kind"),
            target_change_id=opt("target_change_id"),
            target_name=opt("target_name"),
            target_service=opt("target_service"),
        )


def truth_of(v: Verdict) -> Truth | None:
    """The truth the judged hypothesis's candidate stands for, or None if it names none."""
    if "Change" in v.target_labels:
        change_id = v.target_change_id or v.change_id
        if not change_id:
            return None
        kind = cause_kind(v.target_kind or v.kind or "other")
        return Truth(kind=kind, service=v.service or v.target_service, change_id=change_id)
    if "Component" in v.target_labels:
        name = v.target_name or v.service
        return Truth(kind="service", service=name, change_id=None) if name else None
    if v.kind == "service":
        return Truth(kind="service", service=v.service, change_id=None) if v.service else None
    if v.kind in TRUTH_KINDS and v.change_id:
        return Truth(kind=cause_kind(v.kind), service=v.service, change_id=v.change_id)
    return None


def _key(t: Truth) -> tuple[str, str | None]:
    return ("service", t.service) if t.kind == "service" else ("change", t.change_id)


@dataclass(frozen=True, slots=True)
class Resolution:
    """What an incident's verdicts say: a truth (with the deciding verdict) or a skip reason."""

    truth: Truth | None
    decided_by: Verdict | None = None
    reason: SkipReason | None = None
    detail: str = ""


def resolve(verdicts: Sequence[Verdict]) -> Resolution:
    """An incident's truth from its judged hypotheses, by the rules in the module docstring."""
    if not verdicts:
        return Resolution(None, reason="not_reviewed", detail="no hypothesis has a verdict")
    standing: dict[tuple[str, str | None], tuple[Verdict, Truth | None]] = {}
    unusable = 0
    for v in sorted(verdicts, key=lambda v: (v.verdict_at or _MIN_TIME, v.hypothesis_uid)):
        t = truth_of(v)
        if t is None:
            unusable += v.verdict == "confirmed"
            continue
        standing[_key(t)] = (v, t)  # later verdicts on the same candidate replace earlier ones
    confirmed = [(v, t) for v, t in standing.values() if v.verdict == "confirmed" and t]
    if not confirmed:
        if unusable:
            return Resolution(None, reason="no_truth", detail=f"{unusable} confirmed, unusable")
        refuted = sum(1 for v, _ in standing.values() if v.verdict == "refuted")
        return Resolution(None, reason="only_refuted", detail=f"{refuted} refuted")
    changes = [(v, t) for v, t in confirmed if t.kind != "service"]
    services = [(v, t) for v, t in confirmed if t.kind == "service"]
    if len(changes) == 1 and all(t.service == changes[0][1].service for _, t in services):
        return Resolution(changes[0][1], decided_by=changes[0][0])
    if not changes and len(services) == 1:
        return Resolution(services[0][1], decided_by=services[0][0])
    named = ", ".join(sorted(t.change_id or f"service {t.service}" for _, t in confirmed))
    return Resolution(None, reason="conflicting", detail=f"confirmed: {named}")


@dataclass(frozen=True, slots=True)
class LabelledIncident:
    """An incident of the graph with the truth its verdicts give, and its view."""

    scope: str
    incident_id: str
    truth: Truth
    view: IncidentView
    hypothesis_uid: str
    verdict_by: str | None
    verdict_at: datetime | None


@dataclass(frozen=True, slots=True)
class SkippedIncident:
    scope: str
    incident_id: str
    reason: SkipReason
    detail: str = ""


@dataclass(slots=True)
class LabelledHistory:
    """The labelled incidents (iterate it like a list) and the incidents skipped, with why."""

    incidents: list[LabelledIncident] = field(default_factory=list)
    skipped: list[SkippedIncident] = field(default_factory=list)

    def __iter__(self) -> Iterator[LabelledIncident]:
        return iter(self.incidents)

    def __len__(self) -> int:
        return len(self.incidents)

    def examples(self) -> list[tuple[IncidentView, Truth]]:
        """``(view, truth)`` pairs, as :meth:`~rcagraph.engine.base.Ranker.fit` takes them."""
        return [(li.view, li.truth) for li in self.incidents]

    def skipped_counts(self) -> dict[SkipReason, int]:
        return dict(Counter(s.reason for s in self.skipped))

    def skipped_summary(self) -> str:
        """E.g. ``2 only refuted hypotheses, 1 no verdict yet`` (empty if nothing skipped)."""
        counts = self.skipped_counts()
        return ", ".join(f"{n} {SKIP_REASONS[r]}" for r, n in sorted(counts.items()))


def labelled_incidents(
    graph: Graph,
    scope: str | None = None,
    since: datetime | None = None,
    *,
    exclude: Collection[tuple[str, str]] = (),
    extract: ExtractConfig | None = None,
) -> LabelledHistory:
    """Incidents of ``scope`` (every scope if None) started at or after ``since`` whose
    confirmed hypotheses give a truth, with their views; the others as skipped, with reasons.
    ``exclude`` holds ``(scope, incident id)`` pairs to leave out silently (e.g. incidents
    also given as bundles)."""
    history = LabelledHistory()
    rows = graph.read(vq.VERDICTS_BY_INCIDENT, scope=scope, since=since)
    for row in rows:
        sc, inc = str(row["scope"]), str(row["incident_id"])
        if (sc, inc) in exclude:
            continue
        res = resolve([Verdict.from_row(v) for v in row["verdicts"]])
        if res.truth is None or res.decided_by is None:
            history.skipped.append(SkippedIncident(sc, inc, res.reason or "no_truth", res.detail))
            continue
        try:
            view = extract_view(graph, inc, sc, extract)
        except NotFoundError as exc:
            history.skipped.append(SkippedIncident(sc, inc, "not_extractable", str(exc)))
            continue
        d = res.decided_by
        history.incidents.append(
            LabelledIncident(sc, inc, res.truth, view, d.hypothesis_uid, d.verdict_by, d.verdict_at)
        )
    return history
