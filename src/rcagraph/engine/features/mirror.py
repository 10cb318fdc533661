"""Components seen only through their callers, and the instrumented peers whose failure they
show.

A component marked ``instrumented`` False (a load balancer, a gateway, an external endpoint, a
managed resource reached through SDK calls) has no telemetry of its own: its "figures" are its
callers' client-side measurements of the calls to it. When an instrumented component that one of
the same callers also calls (not depending on it) fails in the same signal class at the same
time, the two show one failure: a load balancer in front of a service shows that service's
latency, and also the errors the callers get from it, which the service itself may not count
(it timed out, the balancer answered 5xx). This module finds those pairs on the view's own
signals, and hands what the callers measured through the mirror over to its peer, as signals
of the peer ``seen_through`` the mirror: the peer, seen from inside, is the candidate, and the
failure the callers measured is its evidence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import networkx as nx

from rcagraph.engine.features.classify import is_failure_signal, is_traffic_signal, signal_class
from rcagraph.engine.view import IncidentView, SignalEvent


def _is_health_failure(s: SignalEvent) -> bool:
    return is_failure_signal(s) and not is_traffic_signal(s)


class Mirrors:
    """The uninstrumented components of one view and the peers they mirror, judged on the
    components' own signals (``own``: each component's signals, in time order)."""

    def __init__(
        self,
        view: IncidentView,
        g: nx.DiGraph,
        own: Mapping[str, Sequence[SignalEvent]],
        skew: timedelta,
    ) -> None:
        self.view = view
        self.g = g
        self.own = own
        self.skew = skew
        #: the components seen only through their callers (few, or none: most views mark none)
        self.uninstrumented = frozenset(
            n for n, info in view.components.items() if info.instrumented is False
        )

    def _classes(self, n: str, lo: datetime, hi: datetime) -> set[str]:
        """Signal classes of ``n``'s own health (not traffic) failure signals in ``[lo, hi]``."""
        return {
            signal_class(x)
            for x in self.own.get(n, ())
            if lo <= x.at <= hi and _is_health_failure(x)
        }

    def classes_near(self, n: str, t: datetime) -> set[str]:
        """Signal classes of ``n``'s own health (not traffic) failure signals beginning within
        the clock-skew tolerance of ``t`` (every failure signal, whether or not its class marks
        onsets for this incident's symptoms: what two components show is compared whole)."""
        return self._classes(n, t - self.skew, t + self.skew)

    def peers_at(self, n: str, t: datetime) -> list[str]:
        """For a component seen only through its callers: the instrumented components one of
        its callers also calls, that do not depend on ``n``, and whose own failure of a signal
        class ``n`` shows began within the clock-skew tolerance of ``n``'s at ``t``; of peers of
        which one depends on another, only the deepest (empty for an instrumented or unknown
        component, or when there is no such peer)."""
        if n not in self.uninstrumented or n not in self.g:
            return []
        classes = self.classes_near(n, t)
        if not classes:
            return []
        out: dict[str, None] = {}
        for caller in sorted(self.g.predecessors(n)):
            for peer in sorted(self.g.successors(caller)):
                if peer == n or peer in out or peer in self.uninstrumented:
                    continue
                if classes & self.classes_near(peer, t) and not nx.has_path(self.g, peer, n):
                    out[str(peer)] = None
        # a peer that depends on another one shows that one's failure too: the mirror's
        # backend is the deepest of them
        return [p for p in out if not any(q != p and nx.has_path(self.g, p, q) for q in out)]

    def handed_over(self, lo: datetime, hi: datetime) -> list[SignalEvent]:
        """What the callers measured through each mirror and its peer does not show itself, as
        the peer's signals: each health failure signal of an uninstrumented component in
        ``[lo, hi]`` whose signal class the peer shows no failure of there, copied to each peer
        it mirrors at one of them (:meth:`peers_at`), with ``seen_through`` naming the mirror
        (a service timing out shows latency; the errors its callers got from the load balancer
        in front of it are its failure too). The copy keeps the signal's uid: its evidence
        rests on the mirror's node."""
        out: list[SignalEvent] = []
        for n in sorted(self.uninstrumented):
            if n not in self.own:
                continue
            window = [s for s in self.own[n] if lo <= s.at <= hi and _is_health_failure(s)]
            peers: dict[str, None] = {}
            for s in window:
                peers.update(dict.fromkeys(self.peers_at(n, s.at)))
            for peer in peers:
                shown = self._classes(peer, lo, hi)
                out.extend(
                    dataclasses.replace(
                        s,
                        service=peer,
                        seen_through=n,
                        summary=f"{s.summary or s.metric} (as {peer}'s callers measured it "
                        f"through {n})",
                    )
                    for s in window
                    if signal_class(s) not in shown
                )
        return out
