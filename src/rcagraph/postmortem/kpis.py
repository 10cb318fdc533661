"""Incident KPIs, per service, team and period. Formulas (also in docs/api.md):

* MTTD = mean(detected_at − started_at) over incidents with both times;
* MTTR = mean(resolved_at − started_at) over resolved incidents;
* time to first action = mean(min(action.created_at) − detected_at) (started_at when no
  detection time) over incidents with actions;
* remediation cycle time = mean(action.done_at − action.created_at) over done actions;
* overdue share = actions past due and still open (open, in_progress, reopened) / all
  actions that are not cancelled.

Minutes throughout. An incident counts for every service with a symptom and for each owning
team; its period is the month (``YYYY-MM``) or ISO week (``YYYY-Www``) of started_at.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import fmean
from typing import Any, Literal

import rcagraph.postmortem.queries as q
from rcagraph.errors import InputError
from rcagraph.graph import Graph
from rcagraph.postmortem.common import native, require_aware, utcnow

GroupBy = Literal["service", "team", "month", "week", "all"]
OPEN = ("open", "in_progress", "reopened")


def _minutes(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return (b - a).total_seconds() / 60.0


@dataclass(slots=True)
class _Acc:
    incidents: set[str] = field(default_factory=set)
    ttd: list[float] = field(default_factory=list)
    ttr: list[float] = field(default_factory=list)
    tfa: list[float] = field(default_factory=list)
    cycle: list[float] = field(default_factory=list)
    actions: int = 0
    overdue: int = 0


def _mean(xs: list[float]) -> float | None:
    return round(fmean(xs), 2) if xs else None


class KpiService:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def compute(
        self,
        *,
        group_by: GroupBy = "all",
        since: datetime | None = None,
        until: datetime | None = None,
        scope: str | None = None,
        scopes: list[str] | None = None,
        today: date | None = None,
    ) -> list[dict[str, Any]]:
        """KPIs of the incidents in ``scope`` (and in ``scopes``, when given)."""
        if group_by not in ("service", "team", "month", "week", "all"):
            raise InputError("group_by must be service, team, month, week or all", field="group_by")
        today = today or utcnow().date()
        rows = [
            native(r)
            for r in self.graph.read(
                q.KPI_INCIDENTS,
                scope=scope,
                scopes=scopes,
                since=require_aware(since, "since"),
                until=require_aware(until, "until"),
            )
        ]
        groups: dict[str, _Acc] = defaultdict(_Acc)
        for r in rows:
            started: datetime | None = r["started_at"]
            if group_by == "service":
                keys = sorted({s["service"] for s in r["services"] if s["service"]}) or ["-"]
            elif group_by == "team":
                keys = sorted({s["team"] for s in r["services"] if s["team"]}) or ["-"]
            elif group_by == "month":
                keys = [started.strftime("%Y-%m") if started else "-"]
            elif group_by == "week":
                keys = [
                    f"{started.isocalendar()[0]}-W{started.isocalendar()[1]:02d}"
                    if started
                    else "-"
                ]
            else:
                keys = ["all"]
            ttd = _minutes(started, r["detected_at"])
            ttr = _minutes(started, r["resolved_at"])
            acts = [a for a in r["actions"] if a.get("status") != "cancelled"]
            first = min((a["created_at"] for a in acts if a.get("created_at")), default=None)
            tfa = _minutes(r["detected_at"] or started, first)
            cycles = [
                c
                for a in acts
                if (c := _minutes(a.get("created_at"), a.get("done_at"))) is not None
            ]
            overdue = sum(
                1
                for a in acts
                if a.get("status") in OPEN and a.get("due") is not None and a["due"] < today
            )
            for key in keys:
                g = groups[key]
                g.incidents.add(r["id"])
                if ttd is not None:
                    g.ttd.append(ttd)
                if ttr is not None:
                    g.ttr.append(ttr)
                if tfa is not None:
                    g.tfa.append(tfa)
                g.cycle.extend(cycles)
                g.actions += len(acts)
                g.overdue += overdue
        return [
            {
                "group": key,
                "incidents": len(g.incidents),
                "mttd_minutes": _mean(g.ttd),
                "mttr_minutes": _mean(g.ttr),
                "time_to_first_action_minutes": _mean(g.tfa),
                "remediation_cycle_minutes": _mean(g.cycle),
                "actions": g.actions,
                "overdue_actions": g.overdue,
                "overdue_share": round(g.overdue / g.actions, 4) if g.actions else None,
            }
            for key, g in sorted(groups.items())
        ]
