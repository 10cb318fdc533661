"""Writers for the formats real tools emit (CDEvents, LaunchDarkly, Unleash, OTLP, Alertmanager,
Backstage), as the incident-bundle contract reads them. Pure functions of their arguments."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import yaml

from rcagraph.synthetic.incidents.topologies import Topology


def rfc3339(t: datetime, offset_minutes: int = 0) -> str:
    """RFC 3339 with an explicit zone (``Z`` for UTC, else ``+HH:MM``)."""
    if offset_minutes == 0:
        return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + (
            f".{t.microsecond // 1000:03d}Z" if t.microsecond else "Z"
        )
    tz = timezone(timedelta(minutes=offset_minutes))
    return t.astimezone(tz).isoformat(timespec="seconds")


def epoch_ms(t: datetime) -> int:
    return round(t.timestamp() * 1000)


def epoch_ns(t: datetime) -> str:
    return str(round(t.timestamp() * 1_000_000) * 1000)


def fingerprint(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


# -- topology -------------------------------------------------------------------------------


def backstage_catalog(
    topo: Topology, flag_annotations: dict[str, list[str]], calls: dict[tuple[str, str], int]
) -> str:
    """Backstage catalog entities (Groups, System, Components, Resources) as multi-doc YAML."""
    docs: list[dict[str, Any]] = [
        {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "System",
            "metadata": {"name": topo.system, "description": f"The {topo.system} application"},
            "spec": {"owner": "group:default/team-platform"},
        }
    ]
    teams = sorted({n.team for n in topo.nodes} | {"team-platform"})
    for team in teams:
        docs.append(
            {
                "apiVersion": "backstage.io/v1alpha1",
                "kind": "Group",
                "metadata": {"name": team},
                "spec": {
                    "type": "team",
                    "children": [],
                    "profile": {"email": f"{team}@example.com"},
                },
            }
        )
    for node in topo.nodes:
        is_resource = node.kind in ("database", "cache", "queue")
        deps = []
        for callee in topo.callees(node.name):
            ckind = topo.node(callee).kind
            prefix = "resource" if ckind in ("database", "cache", "queue") else "component"
            deps.append(f"{prefix}:default/{callee}")
        annotations: dict[str, str] = {
            "backstage.io/source-location": f"url:https://git.example.com/{topo.system}/{node.name}"
        }
        if node.name in flag_annotations:
            annotations["rcagraph.io/feature-flags"] = ",".join(flag_annotations[node.name])
        spec: dict[str, Any] = {
            "type": node.kind
            if is_resource
            else ("website" if node.kind == "gateway" else "service"),
            "owner": f"group:default/{node.team}",
            "system": topo.system,
        }
        if not is_resource:
            spec["lifecycle"] = "production"
        if deps:
            spec["dependsOn"] = deps
        docs.append(
            {
                "apiVersion": "backstage.io/v1alpha1",
                "kind": "Resource" if is_resource else "Component",
                "metadata": {
                    "name": node.name,
                    "annotations": annotations,
                    "tags": [node.language] if node.language else [],
                },
                "spec": spec,
            }
        )
    del calls
    return yaml.safe_dump_all(docs, sort_keys=False)


def edges_csv(topo: Topology, calls: dict[tuple[str, str], int]) -> str:
    lines = ["caller,callee,protocol,calls"]
    for caller, callee, proto in topo.edges:
        lines.append(f"{caller},{callee},{proto},{calls[(caller, callee)]}")
    return "\n".join(lines) + "\n"


# -- changes --------------------------------------------------------------------------------


def cdevent(
    *,
    event_id: str,
    action: str,  # deployed, upgraded, rolledback
    service: str,
    at: datetime,
    system: str,
    version: str,
    share: float | None,
    actor: str,
) -> dict[str, Any]:
    custom: dict[str, Any] = {"actor": actor, "pipeline": f"{system}-cd"}
    if share is not None:  # a canary step (Argo Rollouts style): the share of traffic reached
        custom["strategy"] = "canary"
        custom["rollout_share"] = share
    return {
        "context": {
            "version": "0.4.1",
            "id": event_id,
            "source": f"/argocd/{system}",
            "type": f"dev.cdevents.service.{action}.0.2.0",
            "timestamp": rfc3339(at),
        },
        "subject": {
            "id": f"service/{service}",
            "source": f"/argocd/{system}",
            "type": "service",
            "content": {
                "environment": {"id": "production", "source": f"/argocd/{system}"},
                "artifactId": f"pkg:docker/{system}/{service}@{version}",
            },
        },
        "customData": custom,
        "customDataContentType": "application/json",
    }


def launchdarkly_entry(
    *,
    entry_id: str,
    flag_key: str,
    service: str | None,
    at: datetime,
    on: bool,
    share: float | None,
    member: str,
    comment: str,
) -> dict[str, Any]:
    env: dict[str, Any] = {"on": on}
    if share is not None:
        weight = round(share * 100_000)
        env["fallthrough"] = {
            "rollout": {
                "variations": [
                    {"variation": 0, "weight": weight},
                    {"variation": 1, "weight": 100_000 - weight},
                ]
            }
        }
        action, verb = "updateFallthrough", "changed the default rule of"
    else:
        action, verb = ("updateOn", "turned on" if on else "turned off")
    tags = [f"service:{service}"] if service else []
    first, _, _ = member.partition("@")
    return {
        "_id": entry_id,
        "_links": {"self": {"href": f"/api/v2/auditlog/{entry_id}", "type": "application/json"}},
        "date": epoch_ms(at),
        "kind": "flag",
        "name": flag_key.replace("-", " ").capitalize(),
        "description": f"{first} {verb} the flag {flag_key} in Production",
        "accesses": [
            {"action": action, "resource": f"proj/default:env/production:flag/{flag_key}"}
        ],
        "member": {"_id": fingerprint(member), "email": member, "firstName": first.capitalize()},
        "titleVerb": f"{verb} the flag",
        "title": f"{first} {verb} the flag {flag_key} in `Production`",
        "comment": comment,
        "currentVersion": {
            "key": flag_key,
            "tags": tags,
            "environments": {"production": env},
        },
        "previousVersion": {
            "key": flag_key,
            "tags": tags,
            "environments": {"production": {"on": not on if share is None else on}},
        },
    }


def unleash_event(
    *,
    event_id: int,
    flag_key: str,
    service: str | None,
    at: datetime,
    on: bool,
    share: float | None,
    member: str,
) -> dict[str, Any]:
    tags = [{"type": "simple", "value": f"service:{service}"}] if service else []
    if share is not None:
        return {
            "id": event_id,
            "type": "feature-strategy-update",
            "createdAt": rfc3339(at),
            "createdBy": member,
            "featureName": flag_key,
            "project": "default",
            "environment": "production",
            "data": {
                "name": "flexibleRollout",
                "parameters": {
                    "rollout": str(round(share * 100)),
                    "stickiness": "default",
                    "groupId": flag_key,
                },
            },
            "preData": {
                "name": "flexibleRollout",
                "parameters": {"rollout": "0", "stickiness": "default", "groupId": flag_key},
            },
            "tags": tags,
        }
    return {
        "id": event_id,
        "type": "feature-environment-enabled" if on else "feature-environment-disabled",
        "createdAt": rfc3339(at),
        "createdBy": member,
        "featureName": flag_key,
        "project": "default",
        "environment": "production",
        "data": None,
        "preData": None,
        "tags": tags,
    }


# -- logs -----------------------------------------------------------------------------------

_SEVERITY_NUMBER = {"DEBUG": 5, "INFO": 9, "WARN": 13, "ERROR": 17, "FATAL": 21}


def otlp_logs_request(
    service: str, system: str, records: list[tuple[datetime, str, str, str]]
) -> dict[str, Any]:
    """One ``ExportLogsServiceRequest`` holding ``records`` (time, severity, body, trace id)."""
    return {
        "resourceLogs": [
            {
                "resource": {
                    "attributes": [
                        {"key": "service.name", "value": {"stringValue": service}},
                        {"key": "service.namespace", "value": {"stringValue": system}},
                    ]
                },
                "scopeLogs": [
                    {
                        "scope": {"name": f"{service}.logger"},
                        "logRecords": [
                            {
                                "timeUnixNano": epoch_ns(t),
                                "severityNumber": _SEVERITY_NUMBER[sev],
                                "severityText": sev,
                                "body": {"stringValue": body},
                                "traceId": trace,
                                "spanId": trace[:16],
                                "attributes": [],
                            }
                            for t, sev, body, trace in records
                        ],
                    }
                ],
            }
        ]
    }


def plain_log(t: datetime, service: str, severity: str, body: str, trace: str) -> dict[str, Any]:
    return {
        "timestamp": rfc3339(t),
        "service": service,
        "severity": severity,
        "body": body,
        "trace_id": trace,
    }


# -- alerts ---------------------------------------------------------------------------------


def alertmanager_payload(
    *,
    system: str,
    alertname: str,
    service: str,
    severity: str,
    summary: str,
    starts: datetime,
    ends: datetime | None,
    pods: list[str],
    resolved: bool,
) -> dict[str, Any]:
    status = "resolved" if resolved else "firing"
    group_labels = {"alertname": alertname, "service": service}
    common = {**group_labels, "severity": severity, "namespace": system}
    alerts = []
    for pod in pods:
        labels = {**common, "pod": pod}
        alerts.append(
            {
                "status": status,
                "labels": labels,
                "annotations": {"summary": summary, "runbook_url": f"https://runbooks/{alertname}"},
                "startsAt": rfc3339(starts),
                "endsAt": rfc3339(ends) if ends else "0001-01-01T00:00:00Z",
                "generatorURL": f"http://prometheus:9090/graph?g0.expr={alertname}",
                "fingerprint": fingerprint(alertname, service, pod),
            }
        )
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{alertname}", service="{service}"}}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": f"{system}-oncall",
        "groupLabels": group_labels,
        "commonLabels": common,
        "commonAnnotations": {"summary": summary},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    }
