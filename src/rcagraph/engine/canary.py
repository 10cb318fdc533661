"""Canary evidence of a deploy: did its new pods degrade while its old pods stayed healthy?

The loader compared, per metric, a release's newest version with its older ones in the minutes
where both ran (``:CanaryVerdict``, in :attr:`IncidentView.canary`). A deploy change is matched
to the verdicts of the services it touches:

* by version: the verdict's ``new_version`` equals the change's version (compared without a
  leading ``v`` and without a package URL's ``…@`` prefix);
* else, when no verdict of the service names the change's version (the series carry only a
  ReplicaSet hash, nothing like ``1.4.2``), by time: verdicts whose new version first reported from
  ``before`` before the change to ``after`` after it.

``canary_degraded`` = 1 − exp(−z / 5) for the largest robust effect z among the matched
verdicts that say "degraded" (latency, errors, saturation up; availability down);
``canary_same`` = 1 when verdicts on health metrics (not traffic) matched and none says
"degraded": the two versions behaved the same, so the release is not what changed.

A degradation is timed against the release's rollout steps (:mod:`rcagraph.engine.rollout`):
one that began before its first step (less the clock-skew tolerance) is not its doing and is
not matched to it; the others' evidence says which step they followed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import timedelta

from rcagraph.engine.result import Evidence
from rcagraph.engine.rollout import norm_version, step_before
from rcagraph.engine.view import CanaryVerdict, ChangeEvent

_VERSION = re.compile(r"^\d+(\.\d+)+")
_HEALTH_SIGNALS = frozenset({"latency", "errors", "availability", "saturation"})


def matching_verdicts(
    verdicts: Sequence[CanaryVerdict],
    change: ChangeEvent,
    before: timedelta = timedelta(minutes=5),
    after: timedelta = timedelta(minutes=15),
) -> list[CanaryVerdict]:
    """The verdicts that judge ``change`` (see the module docstring)."""
    if not verdicts or not change.services:
        return []
    services = set(change.services)
    mine = [v for v in verdicts if v.service in services]
    if change.version:
        want = norm_version(change.version)
        by_version = [v for v in mine if norm_version(v.new_version) == want]
        if by_version:
            return by_version
        if any(_VERSION.match(norm_version(v.new_version)) for v in mine):
            # the series name real versions, and none is this change's: not its rollout
            return []
    return [v for v in mine if change.at - before <= v.new_since <= change.at + after]


def _timed(v: CanaryVerdict, change: ChangeEvent) -> str:
    """The verdict's summary, timed against the release's rollout steps."""
    step = step_before(change, v.at)
    if step is None:
        return v.summary
    minutes = (v.at - step).total_seconds() / 60.0
    return (
        f"{v.summary}; began {minutes:.0f} min after the rollout step at "
        f"{step.strftime('%H:%M:%S')} (step {change.rollout_steps.index(step) + 1} of "
        f"{len(change.rollout_steps)})"
    )


def canary_features(
    verdicts: Sequence[CanaryVerdict],
    change: ChangeEvent,
    skew: timedelta = timedelta(minutes=2),
) -> tuple[dict[str, float], list[Evidence]]:
    """``canary_degraded`` and ``canary_same`` of a deploy change, with the evidence. A
    degradation that began before the release's first rollout step (less the clock-skew
    tolerance ``skew``) is not its doing; the others are timed against the steps."""
    first_step = change.rollout_steps[0] if change.rollout_steps else None
    matched = [
        v
        for v in matching_verdicts(verdicts, change)
        if v.signal in _HEALTH_SIGNALS
        and (v.verdict != "degraded" or first_step is None or v.at >= first_step - skew)
    ]
    if not matched:
        return {}, []
    degraded = [v for v in matched if v.verdict == "degraded"]
    if not degraded:
        return {"canary_degraded": 0.0, "canary_same": 1.0}, []
    z = max(
        abs(v.effect) if v.effect is not None and math.isfinite(v.effect) else 0.0 for v in degraded
    )
    score = 1.0 - math.exp(-z / 5.0)
    evidence = [
        Evidence(
            kind="canary",
            service=v.service,
            at=v.at,
            summary=_timed(v, change),
            source=v.source,
            source_ref=v.source_ref,
            weight=score,
        )
        for v in sorted(degraded, key=lambda v: -(v.effect or 0.0))
    ]
    return {"canary_degraded": score, "canary_same": 0.0}, evidence
