"""Canary analysis at load time: a release's new pods against its old pods, in the same minutes.

During a rolling deploy the new and the old version of a service run side by side. Where a
metric's series are split by version, this module compares, for each (service, metric, other
labels), the newest version's samples with the older versions' samples **in the minutes where
both run** (the approach of Kayenta and Argo Rollouts' analysis), so a load change that hits
both versions alike cancels out and a defect of the new build does not.

**Which label gives the version**, in order: ``version``, ``service_version``,
``service.version``, ``app_version``, ``app.kubernetes.io/version``. Where none is present, the
ReplicaSet identity stands in: ``pod_template_hash``, ``rollouts_pod_template_hash``,
``rollout``, and last the hash in a Kubernetes pod name ``<deployment>-<hash>-<suffix>``
(label ``pod``, ``pod_name`` or ``k8s.pod.name``). Series that carry no version this way are
not compared. The labels naming one instance (pod, instance, container, host, …) are dropped
from the grouping key, so the pods of one version pool together.

**The newest version** is the one whose first sample is latest; the others are "old".

**The test.** Samples are bucketed per minute. Over the overlapping minutes (at least
:attr:`CanaryConfig.min_overlap`), a one-sided Mann–Whitney U test (scipy) asks whether the new
version's samples are larger (smaller, for availability) than the old ones, and a robust effect
size is taken: the median of the per-minute differences (new minus old) over the old samples'
robust scale (1.4826·MAD, floored by 1 % of the old median). The verdict is

* ``degraded`` — p < ``alpha``, effect ≥ ``min_effect`` and ratio beyond ``min_ratio`` (for an
  error ratio or an availability in [0, 1]: or a difference of ``min_points``) in the failure
  direction of the metric's signal class (latency, errors, saturation up; availability
  down); traffic metrics (class ``other``) are never "degraded";
* ``better`` — the same in the benign direction;
* ``same`` — no significant difference either way (two-sided p ≥ ``alpha``, or a small effect).

The onset of a degradation is the first overlapping minute whose difference reaches
``min_effect`` and stays there in most of the next three minutes.

The results are plain dataclasses; :mod:`rcagraph.loaders.metrics` writes them (a
``:CanaryVerdict`` per comparison, and a degradation also as an ``:Anomaly`` with method
``canary``). Rollout steps are not used yet: the comparison runs over every minute where both
versions report, whatever step of the rollout it falls in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy.stats import mannwhitneyu

from rcagraph.schema.signals import AVAILABILITY, ERRORS, LATENCY, SATURATION, signal_of

FloatArray = npt.NDArray[np.float64]

#: labels that carry a version, in order of preference
VERSION_LABELS: tuple[str, ...] = (
    "version",
    "service_version",
    "service.version",
    "app_version",
    "app.kubernetes.io/version",
)
#: labels that identify a ReplicaSet (a version without a name), used when no version is given
TEMPLATE_LABELS: tuple[str, ...] = ("pod_template_hash", "rollouts_pod_template_hash", "rollout")
#: labels that carry a pod name (its ReplicaSet hash is the last resort)
POD_LABELS: tuple[str, ...] = ("pod", "pod_name", "k8s.pod.name")
#: labels naming one instance: dropped from the grouping key
INSTANCE_LABELS: frozenset[str] = frozenset(
    {
        *VERSION_LABELS,
        *TEMPLATE_LABELS,
        *POD_LABELS,
        "instance",
        "container",
        "container_id",
        "container_name",
        "host",
        "hostname",
        "node",
        "ip",
        "service.instance.id",
        "k8s.pod.uid",
    }
)
_POD_NAME = re.compile(r"^(?P<deploy>.+)-(?P<hash>[0-9a-z]{5,10})-(?P<suffix>[0-9a-z]{5})$")
_MAD_TO_SIGMA = 1.4826
_MINUTE_NS = 60_000_000_000
#: the direction in which a metric of a signal class gets worse
FAILURE_DIRECTION: dict[str, str] = {
    LATENCY: "up",
    ERRORS: "up",
    SATURATION: "up",
    AVAILABILITY: "down",
}


@dataclass(frozen=True, slots=True)
class CanaryConfig:
    alpha: float = 0.01
    min_effect: float = 3.0  # robust z of the median per-minute difference
    min_ratio: float = 1.2  # new median over old median (or its inverse for "down")
    min_points: float = 0.01  # error ratios, availability: an absolute difference that is far
    min_overlap: int = 4  # minutes where both versions report
    max_versions: int = 6  # more distinct versions than this: not a rollout, skip


DEFAULT_CANARY = CanaryConfig()


@dataclass(frozen=True, slots=True)
class VersionedSeries:
    """One series with its version read from its labels (see :func:`version_of`)."""

    service: str
    metric: str
    labels: str  # the series' labels, k=v;k=v
    version: str
    ts_ns: npt.NDArray[np.int64]
    values: FloatArray
    ref: str = ""  # where the series is kept (series_ref), for provenance


@dataclass(frozen=True, slots=True)
class CanaryResult:
    """The comparison of a service's newest version with its older ones on one metric."""

    service: str
    metric: str
    group: str  # the labels shared by the compared series (instance labels dropped)
    signal: str
    new_version: str
    old_versions: tuple[str, ...]
    verdict: str  # degraded, better, same
    direction: str  # the direction of the difference: up, down
    p_value: float  # one-sided in the failure direction (two-sided for class other)
    effect: float  # robust z of the median per-minute difference (signed)
    ratio: float  # new median / old median (inf when the old median is 0)
    new_median: float
    old_median: float
    new_since_ns: int  # the new version's first sample
    overlap_start_ns: int
    overlap_end_ns: int
    overlap_minutes: int
    onset_ns: int  # first minute of the degradation (overlap start when not degraded)
    new_samples: int
    old_samples: int
    ref: str = ""

    def summary(self) -> str:
        olds = ", ".join(self.old_versions)
        what = f"{self.service} {self.new_version} {self.metric}"
        if math.isfinite(self.ratio) and self.ratio > 0:
            size = f"{self.ratio:.2g}×"
        else:
            size = f"{self.new_median:.3g} vs {self.old_median:.3g}"
        if self.verdict == "same":
            return (
                f"{what} same as the {olds} pods in the same {self.overlap_minutes} minutes "
                f"({size}, U test p={self.p_value:.2g})"
            )
        return (
            f"{what} {size} the {olds} pods in the same {self.overlap_minutes} minutes "
            f"({self.verdict}, effect z={self.effect:.1f}, U test p={self.p_value:.2g})"
        )


def parse_label_pairs(labels: str) -> dict[str, str]:
    """``k=v;k=v`` as a dict (malformed parts are skipped)."""
    out: dict[str, str] = {}
    for part in labels.split(";"):
        key, sep, value = part.partition("=")
        if sep and key:
            out[key] = value
    return out


def version_of(labels: dict[str, str]) -> str | None:
    """The version a series' labels carry (see the module docstring), or None."""
    for key in (*VERSION_LABELS, *TEMPLATE_LABELS):
        value = labels.get(key, "").strip()
        if value:
            return value
    for key in POD_LABELS:
        m = _POD_NAME.match(labels.get(key, "").strip())
        if m:
            return m.group("hash")
    return None


def group_key(labels: dict[str, str]) -> str:
    """The labels of a series without those naming a version or an instance."""
    return ";".join(f"{k}={v}" for k, v in sorted(labels.items()) if k not in INSTANCE_LABELS)


def robust_scale(values: FloatArray) -> tuple[float, float]:
    """(median, 1.4826·MAD floored at 1 % of |median| and 1e-9)."""
    median = float(np.median(values))
    mad = float(np.median(np.abs(values - median)))
    return median, max(_MAD_TO_SIGMA * mad, 0.01 * abs(median), 1e-9)


def _minute_buckets(series: Sequence[VersionedSeries]) -> dict[int, list[float]]:
    out: dict[int, list[float]] = {}
    for s in series:
        finite = np.isfinite(s.values)
        for t, v in zip(s.ts_ns[finite] // _MINUTE_NS, s.values[finite], strict=True):
            out.setdefault(int(t), []).append(float(v))
    return out


def compare_versions(
    new: Sequence[VersionedSeries],
    old: Sequence[VersionedSeries],
    config: CanaryConfig = DEFAULT_CANARY,
) -> CanaryResult | None:
    """Compare the new version's series with the old ones' in the minutes where both report.

    None when they overlap in fewer than ``config.min_overlap`` minutes."""
    if not new or not old:
        return None
    nb, ob = _minute_buckets(new), _minute_buckets(old)
    minutes = sorted(set(nb) & set(ob))
    if len(minutes) < config.min_overlap:
        return None
    nv = np.array([v for m in minutes for v in nb[m]])
    ov = np.array([v for m in minutes for v in ob[m]])
    old_median, scale = robust_scale(ov)
    new_median = float(np.median(nv))
    diffs = np.array([np.median(nb[m]) - np.median(ob[m]) for m in minutes])
    effect = float(np.median(diffs)) / scale
    ratio = new_median / old_median if old_median != 0 else math.inf
    signal = signal_of(new[0].metric)
    failure = FAILURE_DIRECTION.get(signal)
    direction = "up" if effect >= 0 else "down"
    if np.ptp(np.concatenate([nv, ov])) == 0.0:
        p_less = p_greater = p_two = 1.0
    else:
        p_greater = float(mannwhitneyu(nv, ov, alternative="greater").pvalue)
        p_less = float(mannwhitneyu(nv, ov, alternative="less").pvalue)
        p_two = min(1.0, 2.0 * min(p_greater, p_less))
    big = abs(effect) >= config.min_effect
    far = (ratio >= config.min_ratio or ratio <= 1.0 / config.min_ratio) if ratio > 0 else True
    if signal in (ERRORS, AVAILABILITY) and max(abs(new_median), abs(old_median)) <= 1.0:
        # a ratio in [0, 1]: one percentage point is far, whatever the ratio of the two
        far = far or abs(new_median - old_median) >= config.min_points
    if failure is None:
        p_value = p_two
        verdict = "same"
    else:
        worse = direction == failure
        p_value = p_greater if failure == "up" else p_less
        p_dir = p_value if worse else (p_less if failure == "up" else p_greater)
        if big and far and p_dir < config.alpha:
            verdict = "degraded" if worse else "better"
        else:
            verdict = "same"
    onset = minutes[0]
    if verdict == "degraded":
        sign = 1.0 if failure == "up" else -1.0
        hit = sign * diffs / scale >= config.min_effect
        for i in range(len(minutes)):
            if hit[i] and hit[i : i + 4].sum() >= min(3, len(minutes) - i):
                onset = minutes[i]
                break
    return CanaryResult(
        service=new[0].service,
        metric=new[0].metric,
        group="",
        signal=signal,
        new_version=new[0].version,
        old_versions=tuple(sorted({s.version for s in old})),
        verdict=verdict,
        direction=direction,
        p_value=p_value,
        effect=effect,
        ratio=ratio,
        new_median=new_median,
        old_median=old_median,
        new_since_ns=int(min(int(s.ts_ns.min()) for s in new if s.ts_ns.size)),
        overlap_start_ns=minutes[0] * _MINUTE_NS,
        overlap_end_ns=minutes[-1] * _MINUTE_NS,
        overlap_minutes=len(minutes),
        onset_ns=onset * _MINUTE_NS,
        new_samples=int(nv.size),
        old_samples=int(ov.size),
        ref=new[0].ref,
    )


def canary_analysis(
    series: Iterable[VersionedSeries], config: CanaryConfig = DEFAULT_CANARY
) -> list[CanaryResult]:
    """Every (service, metric, group) whose series are split by version: its newest version
    against the older ones (see the module docstring), in a stable order."""
    groups: dict[tuple[str, str, str], dict[str, list[VersionedSeries]]] = {}
    for s in series:
        if s.ts_ns.size == 0:
            continue
        key = (s.service, s.metric, group_key(parse_label_pairs(s.labels)))
        groups.setdefault(key, {}).setdefault(s.version, []).append(s)
    out: list[CanaryResult] = []
    for (_, _, group), by_version in sorted(groups.items()):
        if not 2 <= len(by_version) <= config.max_versions:
            continue
        first = {v: min(int(s.ts_ns.min()) for s in ss) for v, ss in by_version.items()}
        newest = max(sorted(first), key=lambda v: first[v])
        old = [s for v, ss in sorted(by_version.items()) if v != newest for s in ss]
        result = compare_versions(by_version[newest], old, config)
        if result is not None:
            out.append(replace(result, group=group))
    return out
