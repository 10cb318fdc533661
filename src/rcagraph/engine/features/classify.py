"""Which signals of a view mark a failure, and which only a change of load.

The signal class of a metric anomaly is the one the graph stores with it
(:attr:`~rcagraph.engine.view.SignalEvent.signal`); an anomaly stored without one (written by
hand, or by an older loader) is classified by its metric name, as the loaders do
(:func:`rcagraph.schema.signals.signal_of`).
"""

from __future__ import annotations

from rcagraph.engine.view import SignalEvent
from rcagraph.schema.signals import BENIGN_DIRECTION, is_improvement, is_traffic, signal_of

__all__ = [
    "BENIGN_DIRECTION",
    "INFORMATIONAL_LEVELS",
    "is_failure_signal",
    "is_traffic_signal",
    "signal_class",
]

_LOG_SIGNALS = ("metric_anomaly", "log_burst", "new_log_template")
#: log levels that do not report a failure: a new template at one of these levels (a deploy's
#: "starting version …" line, a new request path) is kept in the view but is no anomaly
INFORMATIONAL_LEVELS = frozenset({"TRACE", "DEBUG", "INFO", "NOTICE"})


def signal_class(s: SignalEvent) -> str:
    """The signal class of a metric anomaly: as the graph stores it, else by its metric name."""
    return s.signal or signal_of(s.metric or "")


def is_failure_signal(s: SignalEvent) -> bool:
    """An anomaly or log signal that reports a failure (the "strong" signals of onsets):
    metric anomalies, log bursts and new log templates — unless the template's level is
    informational (a deploy's own start-up line is not evidence that it broke anything), or the
    metric anomaly moves its signal class the good way (latency or errors down, availability
    up: an improvement, e.g. a day whose level happens to be better than the baseline's)."""
    if s.kind not in _LOG_SIGNALS:
        return False
    if s.kind == "metric_anomaly" and s.metric and s.direction:
        return not is_improvement(signal_class(s), s.direction)
    return not (s.kind == "new_log_template" and (s.severity or "") in INFORMATIONAL_LEVELS)


def is_traffic_signal(s: SignalEvent) -> bool:
    """A metric anomaly of a traffic metric (request counts, throughput: signal class
    ``other``): the load a component receives changed, not its health. Traffic follows the
    callers, so it marks an onset but neither explains a caller's failure nor sizes one."""
    return s.kind == "metric_anomaly" and bool(s.metric) and is_traffic(signal_class(s))
