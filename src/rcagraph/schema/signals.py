"""Signal classes: the names the contract gives a symptom or a metric anomaly, and how a metric
name and a direction of change are classified.

A leaf module (standard library only): the loaders store a metric anomaly's ``signal`` with it,
the incident contract and the API validate symptoms against :data:`SIGNALS`, and the engine
reads the class to tell a failure from an improvement or a change of load.
"""

from __future__ import annotations

import functools
import re
from typing import Final, Literal, get_args

Signal = Literal["latency", "errors", "availability", "saturation", "other"]
#: every signal class, in the contract's order
SIGNALS: Final[tuple[Signal, ...]] = get_args(Signal)

LATENCY: Final = "latency"
ERRORS: Final = "errors"
AVAILABILITY: Final = "availability"
SATURATION: Final = "saturation"
#: the class of every metric no pattern names: request counts, throughput (traffic) and the rest
OTHER: Final = "other"

_PATTERNS: tuple[tuple[Signal, re.Pattern[str]], ...] = (
    (ERRORS, re.compile(r"error|err_|5xx|fail|fault|exception|reject", re.IGNORECASE)),
    (
        AVAILABILITY,
        re.compile(r"availab|uptime|success_rate|health|^up$|_up$|reachab", re.IGNORECASE),
    ),
    (
        LATENCY,
        re.compile(
            r"latency|duration|response_time|resp_time|_ms$|_seconds|p50|p90|p95|p99|rtt|"
            r"^rt$|_rt$|elapsed",
            re.IGNORECASE,
        ),
    ),
    (
        SATURATION,
        re.compile(
            r"cpu|mem|memory|heap|disk|saturation|utili[sz]ation|queue|load|thread|"
            r"connections|pool|gc_|iops|throttl|fd_|open_files|swap",
            re.IGNORECASE,
        ),
    ),
)


@functools.lru_cache(maxsize=4096)
def signal_of(metric: str) -> Signal:
    """The contract's signal class of a metric name: latency, errors, availability, saturation,
    other (first matching pattern: errors, availability, latency, saturation)."""
    for signal, pattern in _PATTERNS:
        if pattern.search(metric):
            return signal
    return OTHER


#: the direction of a metric anomaly that is an improvement, not a failure, by signal class
BENIGN_DIRECTION: Final[dict[str, str]] = {LATENCY: "down", ERRORS: "down", AVAILABILITY: "up"}


def is_improvement(signal: str | None, direction: str) -> bool:
    """Whether a metric of class ``signal`` moving in ``direction`` (up, down) got better:
    latency or errors down, availability up. Saturation and other classes never improve."""
    return BENIGN_DIRECTION.get(signal or "") == direction


def is_traffic(signal: str | None) -> bool:
    """Whether a metric of class ``signal`` measures load (request counts, throughput: class
    ``other``) rather than health."""
    return signal == OTHER
