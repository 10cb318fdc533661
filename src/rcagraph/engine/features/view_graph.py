"""Onset order and propagation timing of one view: :class:`ViewGraph`."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import datetime

from rcagraph.engine.features.classify import is_traffic_signal, signal_class
from rcagraph.engine.features.config import FeatureConfig
from rcagraph.engine.features.index import ViewIndex
from rcagraph.engine.strength import fold_change
from rcagraph.engine.view import IncidentView, SignalEvent


class ViewGraph(ViewIndex):
    """The dependency structure (:class:`ViewIndex`) and signal timing of one view, computed
    once.

    Everything a candidate's features need is precomputed or answered by a bisection on
    per-component sorted signal times, so building all candidates is linear in the view's size
    (up to a log factor): signals are indexed by component once; each component's onset is
    computed once; onset order looks at direct dependencies and callers only (an anomaly
    propagates hop by hop, so the dependency that explains a component's anomaly is a direct one
    that turned bad shortly before — components without any signal, e.g. without metrics, are
    looked through); symptom paths come from one BFS / Dijkstra per symptom.
    """

    def __init__(self, view: IncidentView, cfg: FeatureConfig) -> None:
        super().__init__(view, cfg)
        # each component's own onset for this incident: its first anomaly/log signal from
        # ``horizon`` before the incident's onset on (older signals belong to other episodes)
        # that is still under way at the onset (less the clock-skew tolerance): an episode
        # over before the incident began is an earlier event, not where this one started
        lo = self.onset - cfg.horizon
        live = self.onset - cfg.skew
        self.onsets: dict[str, datetime] = {}
        for n in self._strong:
            first = (
                self.first_ongoing(n, lo, live) if cfg.ongoing_onsets else self.first_strong(n, lo)
            )
            if first is not None:
                self.onsets[n] = first.at
        # memoised per (component, time)
        self._reach: dict[tuple[str, datetime], float] = {}
        self._sustained: dict[tuple[str, datetime], float] = {}
        self._episode_end: dict[tuple[str, datetime], datetime] = {}
        self._max_magnitude: float | None = None

    def onset_of(self, n: str, after: datetime | None = None) -> SignalEvent | None:
        """The component's first anomaly/log signal (else its first alert), at or after
        ``after`` minus the skew tolerance (``after`` None: from the incident horizon on)."""
        lo = (after - self.cfg.skew) if after is not None else self.onset - self.cfg.horizon
        first = self.first_strong(n, lo)
        if first is not None:
            return first
        i = bisect_left(self._all_at.get(n, []), lo)
        sigs = self.signals.get(n, [])
        return sigs[i] if i < len(sigs) else None

    def strong_onset(self, n: str) -> datetime | None:
        """The component's onset for this incident (see ``onsets``)."""
        return self.onsets.get(n)

    def earlier_deps(self, n: str, t: datetime) -> list[str]:
        """Direct dependencies that turned anomalous shortly before ``t`` (within one
        propagation delay, and more than ``order_tol`` before) and explain ``n``'s anomaly at
        ``t`` (see :meth:`_explaining_deps`)."""
        return self._explaining_deps(n, t, t - self.cfg.propagation, t - self.cfg.order_tol)

    def busy_deps(self, n: str, t: datetime) -> list[str]:
        """Direct dependencies failing around ``t`` (one propagation delay either side) in a
        way that could explain ``n``'s anomaly at ``t``."""
        return self._explaining_deps(n, t, t - self.cfg.propagation, t + self.cfg.propagation)

    def _explaining_deps(self, n: str, t: datetime, lo: datetime, hi: datetime) -> list[str]:
        """Direct dependencies with a sustained failure in ``[lo, hi)`` that lasts while ``n``
        fails (:meth:`failing_in`) and deviates at least ``explain_ratio`` as much as ``n``
        does in robust z, or ``explain_fold_ratio`` as much in fold change: a dependency barely
        over its threshold (z 5, a few per cent) does not explain a caller deviating tenfold
        more (z 60). Without magnitudes on both sides (log signals), it may."""
        until = self._explain_until(n, t)
        ratio = self.cfg.explain_ratio
        own = self.peak(n, t, t + self.cfg.sustain_window) if ratio > 0 else 0.0
        out = []
        own_fold: float | None = None  # n's own fold change, when a z ratio falls short
        fold_ratio = self.cfg.explain_fold_ratio
        for d in self.deps(n):
            if not self.failing_in(d, lo, hi, until):
                continue
            dep = self.peak(d, lo, hi) if own else 0.0
            if own == 0.0 or dep == 0.0 or dep >= ratio * own:
                out.append(d)
                continue
            # a robust z measures a change against the series' own noise: a dependency whose
            # latency is noisy in normal operation moves sixteen-fold at z 14 while its caller,
            # flat before, moves two-hundred-fold at z 370; how many-fold each went says the
            # dependency explains it (fold_change)
            if fold_ratio <= 0:
                continue
            if own_fold is None:
                own_fold = self.peak_fold(n, t, t + self.cfg.sustain_window)
            if own_fold > 0.0 and self.peak_fold(d, lo, hi) >= fold_ratio * own_fold:
                out.append(d)
        return out

    def peak(self, n: str, lo: datetime, hi: datetime) -> float:
        """Largest health (non-traffic) metric-anomaly magnitude of ``n`` in ``[lo, hi)``."""
        times = self._strong_at.get(n, [])
        sigs = self._strong.get(n, [])[bisect_left(times, lo) : bisect_left(times, hi)]
        return max(
            (
                abs(s.magnitude)
                for s in sigs
                if s.kind == "metric_anomaly"
                and s.magnitude is not None
                and not is_traffic_signal(s)
            ),
            default=0.0,
        )

    def peak_fold(self, n: str, lo: datetime, hi: datetime) -> float:
        """Largest fold change of a health (non-traffic) metric anomaly of ``n`` in
        ``[lo, hi)`` (0 where no anomaly has a baseline and value)."""
        folds = (fold_change(s, signal_class(s)) for s in self._health_anomalies(n, lo, hi))
        return max((f for f in folds if f is not None), default=0.0)

    def _health_anomalies(self, n: str, lo: datetime, hi: datetime) -> list[SignalEvent]:
        times = self._strong_at.get(n, [])
        sigs = self._strong.get(n, [])[bisect_left(times, lo) : bisect_left(times, hi)]
        return [s for s in sigs if s.kind == "metric_anomaly" and not is_traffic_signal(s)]

    def _explain_until(self, n: str, t: datetime) -> datetime:
        """How long a dependency's failure must last to explain ``n``'s failure at ``t``: as
        long as ``n``'s own episode, up to ``sustain_window`` (less the ordering tolerance)."""
        end = min(self.episode_end(n, t), t + self.cfg.sustain_window)
        return end - self.cfg.order_tol

    def failing_in(self, n: str, lo: datetime, hi: datetime, until: datetime) -> bool:
        """Whether ``n`` has a *sustained* failure signal in ``[lo, hi)`` whose episode lasts
        until ``until``: a one-point noise blip, or a short burst that is over while its caller
        still fails, on a dependency does not explain the caller's anomaly (nor make it a
        victim)."""
        times = self._health_at.get(n, [])
        i, j = bisect_left(times, lo), bisect_left(times, hi)
        return any(
            self.sustained(n, at) >= 1.0 and self.episode_end(n, at) >= until
            for at in dict.fromkeys(times[i:j])
        )

    def episode_end(self, n: str, t: datetime) -> datetime:
        """End of ``n``'s failure episode starting at ``t``: failure signals (each to its own
        end) that follow one another with gaps of at most ``sustain_window``. Only a metric
        anomaly's end is known (its change point back to normal); a log burst or new template
        marks when errors *began* to rise, so an episode holding one is open to the window's
        end."""
        key = (n, t)
        if key not in self._episode_end:
            times = self._strong_at.get(n, [])
            end = t
            for s in self._strong.get(n, [])[bisect_left(times, t) :]:
                if s.at > end + self.cfg.sustain_window:
                    break
                if s.kind != "metric_anomaly":
                    end = max(end, self.view.window_end)
                    break
                end = max(end, s.end_at or s.at, s.at)
            self._episode_end[key] = end
        return self._episode_end[key]

    def reaches_symptom(self, n: str, t: datetime) -> float:
        """Whether an anomaly of ``n`` at ``t`` propagates to a symptom: walking up through
        callers on the symptoms' dependency paths, each turns anomalous within one propagation
        delay after the previous, up to a symptom whose own anomaly starts within one propagation
        delay of the incident's onset (1.0; otherwise half the share of the path's hops that
        were reached). A noisy component whose burst did not travel up to the
        symptom gets a low value even when it sits on the path. Memoised per (n, t)."""
        key = (n, t)
        if key not in self._reach:
            self._reach[key] = self._reaches_symptom(n, t)
        return self._reach[key]

    def _reaches_symptom(self, n: str, t: datetime) -> float:
        if not self.path_to(n):
            return 0.0
        near = (self.onset - self.cfg.propagation, self.onset + self.cfg.propagation)
        if n in self.symptoms:
            return float(near[0] <= t <= near[1])
        best_hops = len(self.path_to(n)) - 1
        reached: dict[str, datetime] = {n: t}
        frontier = [n]
        best_depth = 0
        depth = 0
        while frontier:
            depth += 1
            nxt: list[str] = []
            for b in frontier:
                tb = reached[b]
                for a in self.callers(b):
                    if a in reached or not self.path_to(a):
                        continue
                    first = self.caller_first(a, tb)
                    # one propagation delay per hop (components without signals in between)
                    if first is None or first.at > tb + self.cfg.propagation * self.hops(b, a):
                        continue
                    if self.episode_end(b, tb) < self._explain_until(a, first.at):
                        continue  # b's failure is over while a still fails: not its cause
                    if a in self.symptoms and near[0] <= first.at <= near[1]:
                        return 1.0
                    reached[a] = first.at
                    nxt.append(a)
                    best_depth = depth
            frontier = nxt
        return min(1.0, best_depth / best_hops) * 0.5 if best_hops else 0.0

    def sustained(self, n: str, t: datetime) -> float:
        """Whether the failure starting at ``t`` on ``n`` persists: a log burst or an error-level
        new template (episodes in themselves), a metric anomaly whose episode spans more than
        one point (its end after its start: a level shift, however coarse the sampling), or
        metric anomalies at two distinct times within ``sustain_window`` (1.0); a single
        one-point anomaly — a noise blip — gives 0.0."""
        key = (n, t)
        if key not in self._sustained:
            self._sustained[key] = self._sustained_at(n, t)
        return self._sustained[key]

    def _sustained_at(self, n: str, t: datetime) -> float:
        i = bisect_left(self._strong_at.get(n, []), t)
        hi = t + self.cfg.sustain_window
        times: set[datetime] = set()
        for s in self._strong.get(n, [])[i:]:
            if s.at > hi:
                break
            if s.kind != "metric_anomaly" or (s.end_at is not None and s.end_at > s.at):
                return 1.0
            times.add(s.at)
            if len(times) >= 2:
                return 1.0
        return 0.0

    def episode_reaches_symptom(self, n: str, t0: datetime, limit: int = 5) -> float:
        """:meth:`reaches_symptom` from the best of the first ``limit`` distinct failure-signal
        times of ``n``'s episode starting at ``t0`` (within ``sustain_window`` of it, and up to
        the onset plus one propagation delay): a weak first anomaly (a partial rollout) may be
        followed by the stronger one that travelled up."""
        times = self._strong_at.get(n, [])
        i = bisect_left(times, t0)
        hi = max(t0, min(self.onset + self.cfg.propagation, t0 + self.cfg.sustain_window))
        seen: list[datetime] = []
        for at in times[i:]:
            if at > hi or len(seen) >= limit:
                break
            if not seen or at != seen[-1]:
                seen.append(at)
        best = 0.0
        for at in seen or [t0]:
            best = max(best, self.reaches_symptom(n, at))
            if best >= 1.0:
                break
        return best

    def max_magnitude(self) -> float:
        """The largest metric-anomaly magnitude among on-path components' failure signals from
        ``horizon`` before the onset on (the scale of :func:`relative_magnitude`)."""
        if self._max_magnitude is None:
            lo = self.onset - self.cfg.horizon
            self._max_magnitude = max(
                (
                    abs(s.magnitude)
                    for n, sigs in self._strong.items()
                    if self.path_to(n)
                    for s in sigs
                    if s.magnitude is not None
                    and s.at >= lo
                    and s.kind == "metric_anomaly"
                    and not is_traffic_signal(s)
                ),
                default=0.0,
            )
        return self._max_magnitude

    def leads_symptom(self, n: str, t: datetime) -> float:
        """How far ``t`` precedes the symptoms' first failure signal near the onset, in
        propagation delays (capped at 1): a root turns bad before the symptom it causes, not in
        the same minute. A symptom itself gets 0.5."""
        if n in self.symptoms:
            return 0.5
        lo, hi = self.onset - self.cfg.propagation, self.onset + self.cfg.propagation
        firsts = [
            first.at
            for s in self.symptoms
            if (first := self.first_strong(s, lo)) is not None and first.at <= hi
        ]
        start = min(firsts, default=self.onset)
        lead = (start - t).total_seconds() / self.cfg.propagation.total_seconds()
        return min(1.0, max(0.0, lead))

    def strongest_at(self, n: str, lo: datetime, hi: datetime) -> datetime | None:
        """Time of the largest-magnitude metric anomaly of ``n`` in ``[lo, hi]`` (earliest on
        ties), None without one."""
        times = self._strong_at.get(n, [])
        best: tuple[float, datetime] | None = None
        for s in self._strong.get(n, [])[bisect_left(times, lo) : bisect_right(times, hi)]:
            if s.kind != "metric_anomaly" or s.magnitude is None:
                continue
            if best is None or abs(s.magnitude) > best[0]:
                best = (abs(s.magnitude), s.at)
        return best[1] if best else None

    def caller_proxy(self, n: str, lo: datetime) -> list[tuple[str, datetime, float]]:
        """For an unobserved component: each direct caller's first anomaly at or after ``lo``,
        with 1.0 when no other dependency of that caller explains it (else 0.0)."""
        out: list[tuple[str, datetime, float]] = []
        for a in self.callers(n):
            first = self.first_strong(a, lo)
            if first is None:
                continue
            others = [d for d in self.earlier_deps(a, first.at) if d != n]
            out.append((a, first.at, 0.0 if others else 1.0))
        return out

    def mirrored_peers(self, n: str, t: datetime) -> list[str]:
        """For a component seen only through its callers (``instrumented`` False): the
        instrumented peers whose failure it shows at ``t`` (:meth:`Mirrors.peers_at
        <rcagraph.engine.features.mirror.Mirrors.peers_at>`). Its callers' view of ``n`` then
        shows no more than those peers' failure does, and a peer, seen from inside, is the
        better supported cause. Empty when there is no such peer."""
        return self.mirrors.peers_at(n, t)

    def caller_first(self, a: str, t: datetime) -> SignalEvent | None:
        """Caller ``a``'s first failure signal that can follow a dependency's failure at ``t``:
        from ``order_tol`` before it, or from the clock-skew tolerance before it for a declared
        symptom (its time is the incident's, another clock than the metrics')."""
        tol = self.cfg.skew if a in self.declared else self.cfg.order_tol
        return self.first_strong(a, t - tol)

    def felt_by_callers(self, n: str, t: datetime) -> bool:
        """Whether a direct caller of ``n`` (components without signals looked through) turned
        anomalous within one propagation delay per hop after ``n``'s failure at ``t``; True
        when ``n`` has no observed caller (nothing to judge by)."""
        callers = self.callers(n)
        if not callers:
            return True
        for a in callers:
            first = self.caller_first(a, t)
            if first is not None and first.at <= t + self.cfg.propagation * self.hops(n, a):
                return True
        return False

    def caller_onsets(self, n: str, t: datetime) -> list[datetime]:
        """First anomaly of each direct caller around ``t`` (from one propagation delay before
        to ``follow_window`` after)."""
        lo = t - self.cfg.propagation
        hi = t + self.cfg.follow_window
        out = []
        for a in self.callers(n):
            first = self.first_strong(a, lo)
            if first is not None and first.at <= hi:
                out.append(first.at)
        return out
