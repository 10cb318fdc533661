"""Canary results as graph rows: a ``:CanaryVerdict`` per comparison, an ``:Anomaly`` per
degradation.

Every comparison of :func:`rcagraph.loaders.canary.canary_analysis` becomes a
``(:CanaryVerdict)-[:OBSERVED_ON]->(:Component)`` (verdict degraded, better or same), so the
engine sees a "no difference" verdict as well as a degradation; a degradation is also written as
an ``:Anomaly:Event`` with method ``canary`` (labels ``version=<new>`` plus the shared labels),
so it appears in the timeline and as evidence like any other shift. A verdict names the release
by ``service`` and ``new_version``; it is joined to a ``:Change`` by those, not by an edge (the
deployment may be loaded before or after the metrics).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rcagraph.graph import Query
from rcagraph.ids import uid
from rcagraph.loaders.base import LOADER_VERSION, LoadContext
from rcagraph.loaders.canary import CanaryResult
from rcagraph.loaders.detect import Shift
from rcagraph.loaders.epoch_ns import ns_to_dt
from rcagraph.loaders.queries import component_stub, provenance_on_create

CANARY_VERDICTS = Query(
    "loaders.canary_verdicts",
    "UNWIND $rows AS row "
    + component_stub("c", "component_uid", "service")
    + "MERGE (n:CanaryVerdict {uid: row.uid}) "
    "ON CREATE SET n.ingested_at = $ingested_at "
    "SET n.scope = $scope, n += row.props, n.source = row.source, "
    "n.source_ref = row.source_ref, n.loader_version = row.loader_version "
    "MERGE (n)-[o:OBSERVED_ON]->(c) " + provenance_on_create("o"),
)

#: a release seen in versioned metrics: its service's new version's first sample, as a deploy
#: ``:Change`` marked ``observed`` (the earliest time any file saw it; a deploy record of the
#: same release, loaded before or after, is another node, which the engine prefers)
OBSERVED_RELEASES = Query(
    "loaders.canary_observed_releases",
    "UNWIND $rows AS row "
    "MERGE (n:Change {uid: row.uid}) "
    "ON CREATE SET n:Event:Deployment, n.ingested_at = $ingested_at, "
    "n.source = row.source, n.source_ref = row.source_ref "
    "SET n.scope = $scope, n.change_id = row.change_id, n.kind = 'deploy', "
    "n.action = 'observed', n.observed = true, n.service = row.service, "
    "n.version = row.version, n.previous_version = row.previous, n.summary = row.summary, "
    "n.loader_version = row.loader_version, "
    "n.at = CASE WHEN n.at IS NULL OR row.at < n.at THEN row.at ELSE n.at END "
    "WITH n, row "
    + component_stub("c", "component_uid", "service")
    + "MERGE (n)-[r:CHANGED]->(c) "
    + provenance_on_create("r"),
)

METHOD = "canary"


def canary_labels(result: CanaryResult) -> str:
    """The labels of a canary anomaly: ``version=<new>`` and the compared series' shared ones."""
    pairs = [f"version={result.new_version}", *([result.group] if result.group else [])]
    return ";".join(sorted(";".join(pairs).split(";")))


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def verdict_props(result: CanaryResult) -> dict[str, Any]:
    return {
        "service": result.service,
        "metric": result.metric,
        "signal": result.signal,
        "labels": result.group,
        "new_version": result.new_version,
        "old_versions": list(result.old_versions),
        "verdict": result.verdict,
        "direction": result.direction,
        "p_value": result.p_value,
        "effect": _finite(result.effect),
        "ratio": _finite(result.ratio),
        "new_median": result.new_median,
        "old_median": result.old_median,
        "at": ns_to_dt(result.onset_ns),
        "new_since": ns_to_dt(result.new_since_ns),
        "overlap_start": ns_to_dt(result.overlap_start_ns),
        "overlap_end": ns_to_dt(result.overlap_end_ns),
        "overlap_minutes": result.overlap_minutes,
        "new_samples": result.new_samples,
        "old_samples": result.old_samples,
        "method": "mann_whitney_u",
        "summary": result.summary(),
        "series_ref": result.ref,
    }


def canary_rows(
    ctx: LoadContext, source: str, results: Sequence[CanaryResult]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(verdict rows for :data:`CANARY_VERDICTS`, anomaly rows for the anomalies query)."""
    verdicts: list[dict[str, Any]] = []
    anomalies: list[dict[str, Any]] = []
    for r in results:
        base = {
            "component_uid": uid(ctx.scope, "Component", r.service),
            "service": r.service,
            "source": source,
            "source_ref": r.ref,
            "loader_version": LOADER_VERSION,
        }
        verdicts.append(
            {
                **base,
                "uid": uid(ctx.scope, "CanaryVerdict", r.service, r.metric, r.group, r.new_version),
                "props": verdict_props(r),
            }
        )
        if r.verdict != "degraded":
            continue
        labels = canary_labels(r)
        at = ns_to_dt(r.onset_ns)
        anomalies.append(
            {
                **base,
                "uid": uid(
                    ctx.scope, "Anomaly", r.service, r.metric, labels, at.isoformat(), METHOD
                ),
                "props": anomaly_props_of(r, labels),
            }
        )
    return verdicts, anomalies


def anomaly_props_of(r: CanaryResult, labels: str) -> dict[str, Any]:
    shift = Shift(
        onset=0,
        peak=0,
        end=0,
        direction=r.direction,
        magnitude=min(abs(r.effect), 1000.0) if math.isfinite(r.effect) else 1000.0,
        baseline=r.old_median,
        value=r.new_median,
        peak_value=r.new_median,
        method=METHOD,
    )
    return {
        "service": r.service,
        "metric": r.metric,
        "labels": labels,
        "signal": r.signal,
        "at": ns_to_dt(r.onset_ns),
        "peak_at": ns_to_dt(r.onset_ns),
        "end_at": ns_to_dt(r.overlap_end_ns),
        "direction": shift.direction,
        "magnitude": shift.magnitude,
        "baseline": shift.baseline,
        "value": shift.value,
        "method": shift.method,
        "summary": r.summary(),
        "series_ref": r.ref,
    }


def write_verdicts(ctx: LoadContext, rows: Sequence[dict[str, Any]]) -> None:
    """Write verdict rows (UNWIND batches); they are not counted as loaded records."""
    if rows:
        ctx.graph.write_batches(
            CANARY_VERDICTS, rows, batch_size=ctx.batch_size, extra=ctx.params()
        )


def observed_release_rows(
    ctx: LoadContext, source: str, results: Sequence[CanaryResult]
) -> list[dict[str, Any]]:
    """One row per release (service, new version) the comparisons saw, at its new version's
    first sample (for :data:`OBSERVED_RELEASES`)."""
    first: dict[tuple[str, str], CanaryResult] = {}
    for r in results:
        key = (r.service, r.new_version)
        if key not in first or r.new_since_ns < first[key].new_since_ns:
            first[key] = r
    rows = []
    for (service, version), r in sorted(first.items()):
        previous = r.old_versions[-1] if r.old_versions else None
        change_id = f"observed:{service}@{version}"
        rows.append(
            {
                "uid": uid(ctx.scope, "Change", change_id),
                "change_id": change_id,
                "component_uid": uid(ctx.scope, "Component", service),
                "service": service,
                "version": version,
                "previous": previous,
                "at": ns_to_dt(r.new_since_ns),
                "summary": f"{service} {version} first reported in the metrics"
                + (f" (beside {previous})" if previous else ""),
                "source": source,
                "source_ref": r.ref,
                "loader_version": LOADER_VERSION,
            }
        )
    return rows


def write_observed_releases(ctx: LoadContext, rows: Sequence[dict[str, Any]]) -> None:
    """Write observed-release rows (UNWIND batches); they are not counted as loaded records."""
    if rows:
        ctx.graph.write_batches(
            OBSERVED_RELEASES, rows, batch_size=ctx.batch_size, extra=ctx.params()
        )
