"""Generate a post-mortem draft from the graph.

The draft is a JSON document: summary, timeline (every source merged and time-aligned, each
entry linked to its node and source), impact, ranked hypotheses with evidence, contributing
factors, remediation actions suggested per cause (owner from the catalog, due date from the
severity policy, a success criterion) and lessons. Its wording is blameless by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import rcagraph.postmortem.queries as q
from rcagraph.engine.writeback import Hypothesis
from rcagraph.graph import Graph
from rcagraph.postmortem.common import iso, jsonable_dict, native, utcnow
from rcagraph.postmortem.hypotheses import (
    HypothesisService,
    describe_hypothesis,
    document_hypothesis,
)
from rcagraph.postmortem.incidents import Incident
from rcagraph.postmortem.policy import SeverityPolicy

#: how far before the start the timeline looks for changes, and after the end for recovery
LOOKBACK = timedelta(hours=2)
LOOKAHEAD = timedelta(minutes=30)
TIMELINE_LIMIT = 500
UNASSIGNED = "unassigned"


@dataclass(frozen=True, slots=True)
class SuggestedAction:
    title: str
    kind: str
    service: str | None
    owner: str
    due: date
    success_criterion: str
    addresses: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "kind": self.kind,
            "service": self.service,
            "owner": self.owner,
            "due": self.due.isoformat(),
            "success_criterion": self.success_criterion,
            "addresses": list(self.addresses),
        }


#: what a ticket or chat note is on the timeline, by its ``kind``
NOTE_KINDS = ("ticket", "comment", "ticket_update", "chat")


def _timeline_kind(e: dict[str, Any]) -> str:
    """A timeline entry's kind: a note's own (ticket, comment, ticket_update, chat), else
    the kind of event its labels say."""
    if "Note" in e["labels"]:
        return e["kind"] if e.get("kind") in NOTE_KINDS else "note"
    return _event_kind(e["labels"])


def _event_kind(labels: list[str]) -> str:
    for label, kind in (
        ("Change", "change"),
        ("Anomaly", "anomaly"),
        ("LogEvent", "log_event"),
        ("Alert", "alert"),
    ):
        if label in labels:
            return kind
    return "event"


def _describe_event(e: dict[str, Any]) -> str:
    kind = _event_kind(e["labels"])
    service = e.get("service") or ", ".join(e.get("components") or []) or "unknown component"
    if e.get("summary"):
        return str(e["summary"])
    if kind == "change":
        what = e.get("kind") or "change"
        ident = e.get("flag_key") or e.get("change_id") or ""
        version = f" (version {e['version']})" if e.get("version") else ""
        return f"{what} change {ident} on {service}{version}".replace("  ", " ")
    if kind == "anomaly":
        return f"{e.get('metric') or 'metric'} went {e.get('direction') or 'off'} on {service}"
    if kind == "log_event":
        return f"{e.get('kind') or 'log episode'} on {service} ({e.get('count') or '?'} lines)"
    if kind == "alert":
        return f"alert {e.get('name') or '?'} {e.get('status') or 'firing'} on {service}"
    return f"event on {service}"


def _minutes(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return round((b - a).total_seconds() / 60.0, 1)


class DraftBuilder:
    def __init__(self, graph: Graph, hypotheses: HypothesisService, policy: SeverityPolicy) -> None:
        self.graph = graph
        self.hypotheses = hypotheses
        self.policy = policy

    # -- parts ----------------------------------------------------------------------------

    def _window(self, incident: Incident, now: datetime) -> tuple[datetime, datetime]:
        start = incident.started_at or incident.detected_at or now
        end = incident.resolved_at or incident.mitigated_at or max(now, start)
        return start - LOOKBACK, end + LOOKAHEAD

    def _timeline(self, incident: Incident, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        for e in events:
            entries.append(
                {
                    "at": iso(e["at"]),
                    "kind": _timeline_kind(e),
                    "service": e.get("service") or (e.get("components") or [None])[0],
                    "summary": _describe_event(e),
                    "source": e.get("source"),
                    "source_ref": e.get("source_ref"),
                    "node_uid": e["uid"],
                }
            )
        for name, label in (
            ("started_at", "incident started"),
            ("detected_at", "incident detected"),
            ("mitigated_at", "incident mitigated"),
            ("resolved_at", "incident resolved"),
        ):
            value = getattr(incident, name)
            if value is not None:
                entries.append(
                    {
                        "at": iso(value),
                        "kind": "milestone",
                        "service": None,
                        "summary": label,
                        "source": "incident",
                        "source_ref": name,
                        "node_uid": incident.uid,
                    }
                )
        entries.sort(key=lambda x: (x["at"] or "", x["kind"] != "milestone", x["node_uid"]))
        return entries

    def _owners(self, scope: str, services: set[str]) -> dict[str, str]:
        rows = self.graph.read(q.OWNERS, scope=scope, names=sorted(services))
        return {r["service"]: r["owner"] for r in rows if r.get("owner")}

    def _causes(self, hypotheses: list[Hypothesis]) -> list[Hypothesis]:
        confirmed = [h for h in hypotheses if h.verdict == "confirmed"]
        if confirmed:
            return confirmed
        open_ = [h for h in hypotheses if h.verdict != "refuted"]
        if not open_:
            return []
        top = open_[0]
        return [top] + [h for h in open_[1:3] if (h.confidence or 0.0) >= 0.5]

    def _action_for(
        self, h: Hypothesis, due: date, owners: dict[str, str], symptoms: str
    ) -> SuggestedAction:
        t = h.target or {}
        service = h.service
        owner = owners.get(service or "", UNASSIGNED)
        addresses = tuple(x for x in (h.uid, t.get("uid")) if x)
        recovered = f"{symptoms} back within their pre-incident baseline"
        no_recur = "no recurrence of the failure signature in telemetry after the fix (verify)"
        change_kind = h.change_kind or h.kind
        if h.kind == "deploy":
            prev = f" to {t['previous_version']}" if t.get("previous_version") else ""
            title = f"Roll back deploy {h.change_id} of {service}{prev}, then fix forward"
            kind = "rollback"
        elif h.kind == "flag":
            title = f"Revert feature flag {t.get('flag_key') or h.change_id} to its previous state"
            kind = "revert_flag"
        elif change_kind == "config":
            title = f"Revert configuration change {h.change_id} on {service}"
            kind = "revert_config"
        elif h.change_id:
            title = f"Revert or correct the {change_kind} change {h.change_id} on {service}"
            kind = "revert_change"
        else:
            title = f"Find and fix the fault in {service}; add a regression test for it"
            kind = "fix"
        return SuggestedAction(
            title=title,
            kind=kind,
            service=service,
            owner=owner,
            due=due,
            success_criterion=f"{recovered}; {no_recur}",
            addresses=addresses,
        )

    # -- the document ---------------------------------------------------------------------

    def build(self, incident: Incident, *, now: datetime | None = None) -> dict[str, Any]:
        now = now or utcnow()
        since, until = self._window(incident, now)
        events = [
            native(r)
            for r in self.graph.read(
                q.EVENTS_IN_WINDOW,
                scope=incident.scope,
                since=since,
                until=until,
                limit=TIMELINE_LIMIT,
            )
        ]
        hypotheses = self.hypotheses.for_incident_uid(incident.uid)
        timeline = self._timeline(incident, events)

        symptom_uids = sorted({s["uid"] for s in self._symptom_rows(incident)})
        upstream = self.graph.read(q.UPSTREAM_OF, uids=symptom_uids)
        symptom_services = sorted({s["service"] for s in incident.symptoms})
        affected = sorted(
            set(symptom_services) | {c for r in upstream for c in (r["callers"] or [])}
        )
        customer_facing = [
            s
            for s in incident.symptoms
            if any(r["service"] == s["service"] and r["entry_point"] for r in upstream)
        ]
        alerts = [e for e in events if "Alert" in e["labels"]]
        end = incident.resolved_at or incident.mitigated_at
        duration = _minutes(incident.started_at, end or now)
        detection = incident.detected_at or incident.started_at
        alert_before_detection = any(detection is not None and a["at"] <= detection for a in alerts)

        causes = self._causes(hypotheses)
        services = set(affected) | {h.service for h in causes if h.service}
        owners = self._owners(incident.scope, services)
        due = (now + timedelta(days=self.policy.due_in_days(incident.severity))).date()
        symptoms_text = (
            " and ".join(f"{s['signal']} of {s['service']}" for s in incident.symptoms)
            or "the affected signals"
        )
        actions = [self._action_for(h, due, owners, symptoms_text) for h in causes]
        if not alert_before_detection and incident.symptoms:
            first = incident.symptoms[0]
            actions.append(
                SuggestedAction(
                    title=f"Add an alert on {first['signal']} of {first['service']} that fires "
                    "before the incident is noticed",
                    kind="add_alert",
                    service=first["service"],
                    owner=owners.get(first["service"], UNASSIGNED),
                    due=due,
                    success_criterion="replaying this incident's telemetry fires the new alert "
                    "before the recorded detection time",
                    addresses=tuple(
                        s["uid"]
                        for s in self._symptom_rows(incident)
                        if s["service"] == first["service"]
                    ),
                )
            )

        top = causes[0] if causes else None
        factors: list[str] = []
        if top is not None:
            factors.append(f"Most likely cause: {describe_hypothesis(top)}.")
            factors.extend(
                f"{e.summary} ({e.kind} on {e.service})." for e in top.evidence[:4] if e.summary
            )
            if len(top.path) > 1:
                factors.append(
                    "The failure propagated along the dependency path " + " → ".join(top.path) + "."
                )
        if not alert_before_detection:
            factors.append("No alert fired before the incident was detected.")
        mttd = _minutes(incident.started_at, incident.detected_at)
        if mttd is not None and mttd > 5:
            factors.append(f"Detection came {mttd:g} minutes after the onset.")

        lessons: list[str] = []
        if top is not None and top.change_id:
            lessons.append(
                f"A {top.kind} change reached production without a check that caught its "
                f"effect on {symptoms_text}; a staged rollout with automatic health gates "
                "would limit the impact of the next one."
            )
        elif top is not None:
            lessons.append(
                f"{top.service} failed without a recorded change; its failure modes need "
                "monitoring and a runbook."
            )
        if not alert_before_detection:
            lessons.append(
                "Alerting did not cover this failure signal; detection relied on later signals."
            )
        if top is not None and len(top.path) > 2:
            lessons.append(
                "A fault deep in the call graph reached customer-facing services; timeouts, "
                "retries and circuit breakers along the path deserve a review."
            )

        if top is not None:
            conf = f" (confidence {top.confidence:.0%})" if top.confidence is not None else ""
            cause_text = f"The most likely cause is {describe_hypothesis(top)}{conf}."
        else:
            cause_text = "No root-cause hypothesis has been ranked yet."
        dur_text = f" for {duration:g} minutes" if duration is not None else ""
        summary = (
            f"{incident.title}. A {incident.severity or 'unclassified'} incident"
            f"{' in ' + incident.system if incident.system else ''} starting "
            f"{iso(incident.started_at)}{dur_text}"
            f"{', ongoing' if end is None else ''}, with symptoms on "
            f"{', '.join(symptom_services) or 'no recorded service'}. {cause_text}"
        )

        return jsonable_dict(
            {
                "schema": "rcagraph.postmortem/1",
                "incident": incident.public(),
                "generated_at": now,
                "summary": summary,
                "timeline": timeline,
                "impact": {
                    "affected_services": affected,
                    "symptom_services": symptom_services,
                    "customer_facing_symptoms": customer_facing,
                    "duration_minutes": duration,
                    "ongoing": end is None,
                    "time_to_detect_minutes": mttd,
                    "alerts": [
                        {
                            "name": a.get("name"),
                            "service": a.get("service"),
                            "at": iso(a["at"]),
                            "status": a.get("status"),
                            "node_uid": a["uid"],
                        }
                        for a in alerts
                    ],
                    "alert_fired_before_detection": alert_before_detection,
                },
                "hypotheses": [document_hypothesis(h) for h in hypotheses[:5]],
                "contributing_factors": factors,
                "actions": [a.to_json() for a in actions],
                "lessons": lessons,
            }
        )

    def _symptom_rows(self, incident: Incident) -> list[dict[str, Any]]:
        row = self.graph.read_one(q.INCIDENT_GET, uid=incident.uid)
        return list(row["symptoms"]) if row else []
