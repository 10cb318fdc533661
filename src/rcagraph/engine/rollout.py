"""The rollout steps of a release: when its new version gained instances or traffic.

A progressive rollout moves a new version in steps: a Kubernetes Deployment scales the new
ReplicaSet up (``Change.rollout_steps``, from ``ScalingReplicaSet`` events: ``"<time> scaled up
<replicaset> to N [from M]"``); a delivery tool reports each step as its own record (CDEvents
``service.deployed`` then ``service.upgraded`` of the same artifact, at 10 %, 50 %, 100 %). A
degradation of the new version that begins right after a step (more traffic on the bad pods) is
timed by it; one that began before the release's first step is not its doing.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from rcagraph.engine.view import ChangeEvent

_SCALED_UP = " scaled up "
#: how far a deploy record may lie from a release seen in the metrics (its new version's first
#: sample) to be that release: as far as canary verdicts are matched to deploys by time
RECORD_BEFORE = timedelta(minutes=15)
RECORD_AFTER = timedelta(minutes=5)


def scale_up_times(steps: Iterable[object] | None) -> tuple[datetime, ...]:
    """The times of a Kubernetes rollout's scale-up steps (``Change.rollout_steps``), in time
    order; steps of another form, or down, are left out."""
    out: set[datetime] = set()
    for step in steps or ():
        text = str(step)
        head, sep, _ = text.partition(_SCALED_UP)
        if not sep:
            continue
        try:
            at = datetime.fromisoformat(head.strip())
        except ValueError:
            continue
        if at.tzinfo is not None:
            out.add(at)
    return tuple(sorted(out))


def _release_key(change: ChangeEvent) -> tuple[tuple[str, ...], str] | None:
    if change.kind != "deploy" or not change.version or change.rollback:
        return None
    return tuple(sorted(change.services)), change.version


def with_rollout_steps(changes: Sequence[ChangeEvent]) -> list[ChangeEvent]:
    """``changes`` with their ``rollout_steps``: each deploy's own (its Kubernetes scale-ups,
    as extracted) and the times of every deploy record of the same services and version
    (itself included), in time order."""
    by_release: dict[tuple[tuple[str, ...], str], set[datetime]] = defaultdict(set)
    for change in changes:
        key = _release_key(change)
        if key is not None:
            by_release[key].update((change.at, *change.rollout_steps))
    out: list[ChangeEvent] = []
    for change in changes:
        key = _release_key(change)
        steps = set(change.rollout_steps) | (by_release[key] if key is not None else set())
        out.append(dataclasses.replace(change, rollout_steps=tuple(sorted(steps))))
    return out


def step_before(change: ChangeEvent, at: datetime) -> datetime | None:
    """The last rollout step of ``change`` at or before ``at`` (None: none, or no steps)."""
    before = [s for s in change.rollout_steps if s <= at]
    return before[-1] if before else None


def norm_version(version: str) -> str:
    """A version as releases are compared: without a package URL's ``…@`` or an image's
    ``…:`` prefix, and without a leading ``v`` before a digit."""
    v = version.strip().rsplit("@", 1)[-1].rsplit(":", 1)[-1]
    return v[1:] if v[:1] in ("v", "V") and v[1:2].isdigit() else v


def prefer_records(changes: Sequence[ChangeEvent]) -> list[ChangeEvent]:
    """``changes`` without the releases seen only in versioned metrics (``observed``) that a
    deploy record of the same service already stands for: one of the same version, or one from
    ``RECORD_BEFORE`` before to ``RECORD_AFTER`` after the new version's first sample (the
    series carry a ReplicaSet hash, the record a version)."""
    records = [c for c in changes if c.kind == "deploy" and not c.observed]

    def recorded(change: ChangeEvent) -> bool:
        return any(
            set(r.services) & set(change.services)
            and (
                (
                    r.version
                    and change.version
                    and norm_version(r.version) == norm_version(change.version)
                )
                or change.at - RECORD_BEFORE <= r.at <= change.at + RECORD_AFTER
            )
            for r in records
        )

    return [c for c in changes if not (c.observed and recorded(c))]
