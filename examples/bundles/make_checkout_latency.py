"""Write the example bundle ``checkout-latency/`` (deterministic; run to regenerate it).

    python examples/bundles/make_checkout_latency.py

The story (Online Boutique, 2026-03-01, UTC): at 11:58 cartservice is upgraded from 1.4.1 to
1.4.2 (a CDEvents ``service.upgraded``); the new version times out on redis, cart errors and
latency rise from 11:59, checkout and frontend latency and errors from ~12:01; alerts fire at
12:02 and 12:04; cartservice is rolled back at 12:40 and the signals recover. Unrelated to it:
a LaunchDarkly rule change on recommendationservice (11:20), an Unleash rollout change on
frontend's banner flag (11:35), a config change on currencyservice (11:40), a scale-out of
emailservice (10:30), and an earlier good deploy of productcatalogservice (10:15).
Every file uses its format's documented shape (CDEvents v0.4, LaunchDarkly audit log, Unleash
events, Alertmanager webhook v4, Backstage descriptors, OTLP/JSON, Prometheus query_range).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "checkout-latency"
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
MINUTES = 180
DEPLOY = datetime(2026, 3, 1, 11, 58, tzinfo=UTC)
ROLLBACK = datetime(2026, 3, 1, 12, 40, tzinfo=UTC)
DEPLOY_ID = "5f8e2c1a-7d43-4b0e-9a61-2c3d4e5f6a7b"
rng = random.Random(1042)  # noqa: S311 (synthetic example data)


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def ns(t: datetime) -> str:
    return str(int(t.timestamp()) * 1_000_000_000 + t.microsecond * 1000)


def hexid(*parts: object, n: int = 32) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:n]


def bad(t: datetime, lag_min: float = 0.0) -> bool:
    return DEPLOY + timedelta(minutes=1 + lag_min) <= t < ROLLBACK + timedelta(minutes=2)


def jline(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":")) + "\n"


def write(rel: str, text: str) -> None:
    path = OUT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def incident() -> None:
    write(
        "incident.json",
        json.dumps(
            {
                "id": "INC-1042",
                "title": "Checkout latency above SLO",
                "severity": "SEV2",
                "system": "online-boutique",
                "started_at": "2026-03-01T12:01:00Z",
                "detected_at": "2026-03-01T12:04:30Z",
                "resolved_at": "2026-03-01T12:50:00Z",
                "symptoms": [
                    {"service": "frontend", "signal": "latency", "metric": "latency_p95_ms"},
                    {"service": "frontend", "signal": "errors"},
                ],
            },
            indent=2,
        )
        + "\n",
    )
    write(
        "truth.json",
        json.dumps(
            {"root_cause": {"kind": "deploy", "service": "cartservice", "change_id": DEPLOY_ID}},
            indent=2,
        )
        + "\n",
    )


CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: online-boutique
  description: The shop
spec:
  owner: group:default/platform
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: web-team
spec:
  type: team
  profile:
    displayName: Web team
    email: web-team@example.com
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: cart-team
spec:
  type: team
  profile:
    displayName: Cart and checkout
    email: cart-team@example.com
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: platform
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: frontend
  annotations:
    github.com/project-slug: example/online-boutique
    rcagraph.io/feature-flags: free-shipping-banner
  labels:
    tier: "1"
spec:
  type: website
  lifecycle: production
  owner: group:default/web-team
  system: online-boutique
  consumesApis: [cart-api, checkout-api, catalog-api, currency-api, recommendation-api, ad-api]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkoutservice
  labels:
    tier: "1"
spec:
  type: service
  lifecycle: production
  owner: group:default/cart-team
  system: online-boutique
  providesApis: [checkout-api]
  consumesApis: [cart-api, catalog-api, currency-api, payment-api, shipping-api, email-api]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: cartservice
  annotations:
    backstage.io/techdocs-ref: dir:.
spec:
  type: service
  lifecycle: production
  owner: cart-team
  system: online-boutique
  providesApis: [cart-api]
  dependsOn: [resource:default/redis-cart]
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: redis-cart
spec:
  type: cache
  owner: group:default/platform
  system: online-boutique
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: productcatalogservice
spec:
  type: service
  lifecycle: production
  owner: group:default/web-team
  system: online-boutique
  providesApis: [catalog-api]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: currencyservice
spec:
  type: service
  lifecycle: production
  owner: group:default/platform
  system: online-boutique
  providesApis: [currency-api]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: recommendationservice
  annotations:
    rcagraph.io/feature-flags: recommendation-ranking-v2
spec:
  type: service
  lifecycle: production
  owner: group:default/web-team
  system: online-boutique
  providesApis: [recommendation-api]
  consumesApis: [catalog-api]
"""

SMALL_SERVICES = {
    "paymentservice": "payment-api",
    "shippingservice": "shipping-api",
    "emailservice": "email-api",
    "adservice": "ad-api",
}


def topology() -> None:
    docs = [CATALOG.rstrip("\n")]
    for name, api in SMALL_SERVICES.items():
        docs.append(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
            f"  name: {name}\nspec:\n  type: service\n  lifecycle: production\n"
            f"  owner: group:default/platform\n  system: online-boutique\n"
            f"  providesApis: [{api}]"
        )
    apis = ["cart-api", "checkout-api", "catalog-api", "currency-api", "recommendation-api"]
    for api in apis + list(SMALL_SERVICES.values()):
        typ = "grpc"
        docs.append(
            "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n"
            f"  name: {api}\nspec:\n  type: {typ}\n  lifecycle: production\n"
            f"  owner: group:default/platform\n  system: online-boutique\n"
            f'  definition: |\n    syntax = "proto3"; // see demo.proto'
        )
    write("topology/catalog.yaml", "\n---\n".join(docs) + "\n")
    edges = [
        ("frontend", "checkoutservice", "grpc", 1800),
        ("frontend", "cartservice", "grpc", 5400),
        ("frontend", "productcatalogservice", "grpc", 12000),
        ("frontend", "currencyservice", "grpc", 9000),
        ("frontend", "recommendationservice", "grpc", 3600),
        ("frontend", "adservice", "grpc", 3600),
        ("checkoutservice", "cartservice", "grpc", 1800),
        ("checkoutservice", "productcatalogservice", "grpc", 1800),
        ("checkoutservice", "currencyservice", "grpc", 3600),
        ("checkoutservice", "paymentservice", "grpc", 1800),
        ("checkoutservice", "shippingservice", "grpc", 1800),
        ("checkoutservice", "emailservice", "grpc", 1800),
        ("cartservice", "redis-cart", "redis", 7200),
        ("recommendationservice", "productcatalogservice", "grpc", 3600),
    ]
    lines = ["caller,callee,protocol,calls"] + [f"{a},{b},{p},{c}" for a, b, p, c in edges]
    write("topology/edges.csv", "\n".join(lines) + "\n")


def cdevent(
    eid: str, predicate: str, at: datetime, service: str, version: str, custom: dict[str, Any]
) -> dict[str, Any]:
    return {
        "context": {
            "version": "0.4.1",
            "id": eid,
            "source": "/argocd/online-boutique",
            "type": f"dev.cdevents.service.{predicate}.0.2.0",
            "timestamp": iso(at),
        },
        "subject": {
            "id": f"service/{service}",
            "source": "/argocd/online-boutique",
            "type": "service",
            "content": {
                "environment": {"id": "production", "source": "/argocd/online-boutique"},
                "artifactId": f"pkg:oci/{service}@v{version}"
                "?repository_url=ghcr.io%2Fexample%2Fonline-boutique",
            },
        },
        "customData": custom,
        "customDataContentType": "application/json",
    }


def changes() -> None:
    deployments = [
        cdevent(
            "0b7c6d5e-1f2a-4b3c-8d9e-0a1b2c3d4e5f",
            "deployed",
            datetime(2026, 3, 1, 10, 15, 12, tzinfo=UTC),
            "productcatalogservice",
            "0.9.1",
            {"previousVersion": "0.9.0", "commit": "3e1f9c2", "rolloutShare": 1.0},
        ),
        cdevent(
            DEPLOY_ID,
            "upgraded",
            DEPLOY + timedelta(seconds=7),
            "cartservice",
            "1.4.2",
            {"previousVersion": "1.4.1", "commit": "a9d04be", "rolloutShare": 1.0},
        ),
        cdevent(
            "9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
            "rolledback",
            ROLLBACK + timedelta(seconds=31),
            "cartservice",
            "1.4.1",
            {"reason": "INC-1042", "rolloutShare": 1.0},
        ),
    ]
    write("deployments.jsonl", "".join(jline(d) for d in deployments))
    ld_at = datetime(2026, 3, 1, 11, 20, 41, tzinfo=UTC)
    ld_entry = {
        "_links": {
            "canonical": {"href": "/api/v2/auditlog/61f2a3b4c5d6e7f8a9b0c1d2", "type": "json"}
        },
        "_id": "61f2a3b4c5d6e7f8a9b0c1d2",
        "_accountId": "5f0e1d2c3b4a596877665544",
        "date": int(ld_at.timestamp() * 1000),
        "accesses": [
            {
                "action": "updateRules",
                "resource": "proj/default:env/production:flag/recommendation-ranking-v2",
            }
        ],
        "kind": "flag",
        "name": "Recommendation ranking v2",
        "description": "- Added a rule to serve `true` to segment `beta-testers`",
        "shortDescription": "",
        "comment": "widen beta",
        "member": {
            "_links": {"self": {"href": "/api/v2/members/5f0e1d2c", "type": "json"}},
            "_id": "5f0e1d2c",
            "email": "maria@example.com",
            "firstName": "Maria",
            "lastName": "Lopez",
        },
        "titleVerb": "updated the rules of the flag",
        "title": "Maria Lopez updated the rules of the flag Recommendation ranking v2",
        "target": {
            "name": "Recommendation ranking v2",
            "resources": ["proj/default:env/production:flag/recommendation-ranking-v2"],
        },
        "currentVersion": {
            "key": "recommendation-ranking-v2",
            "name": "Recommendation ranking v2",
            "kind": "boolean",
            "tags": ["service:recommendationservice", "team:web"],
            "environments": {
                "production": {
                    "on": True,
                    "rules": [
                        {
                            "clauses": [
                                {
                                    "attribute": "segmentMatch",
                                    "op": "segmentMatch",
                                    "values": ["beta-testers"],
                                }
                            ],
                            "variation": 0,
                        }
                    ],
                    "fallthrough": {"variation": 1},
                    "offVariation": 1,
                    "version": 14,
                }
            },
        },
        "previousVersion": {
            "key": "recommendation-ranking-v2",
            "name": "Recommendation ranking v2",
            "kind": "boolean",
            "tags": ["service:recommendationservice", "team:web"],
            "environments": {
                "production": {
                    "on": True,
                    "rules": [],
                    "fallthrough": {"variation": 1},
                    "offVariation": 1,
                    "version": 13,
                }
            },
        },
    }
    unleash_event = {
        "id": 4211,
        "type": "feature-strategy-update",
        "createdBy": "jonas@example.com",
        "createdByUserId": 7,
        "createdAt": "2026-03-01T11:35:09.412Z",
        "featureName": "free-shipping-banner",
        "project": "default",
        "environment": "production",
        "data": {
            "id": "b1c2d3e4-0000-4000-8000-000000000001",
            "name": "flexibleRollout",
            "constraints": [],
            "parameters": {"rollout": "25", "stickiness": "default", "groupId": "free-shipping"},
        },
        "preData": {
            "id": "b1c2d3e4-0000-4000-8000-000000000001",
            "name": "flexibleRollout",
            "constraints": [],
            "parameters": {"rollout": "10", "stickiness": "default", "groupId": "free-shipping"},
        },
        "tags": [{"type": "simple", "value": "service:frontend"}],
    }
    write("flags.jsonl", jline(ld_entry) + jline(unleash_event))
    own = [
        {
            "id": "chg-2026-03-01-001",
            "kind": "scale",
            "service": "emailservice",
            "at": "2026-03-01T10:30:00Z",
            "actor": "keda",
            "source": "kubernetes",
            "summary": "scaled emailservice from 2 to 3 replicas",
            "attributes": {"before": {"replicas": 2}, "after": {"replicas": 3}},
        },
        {
            "id": "chg-2026-03-01-002",
            "kind": "config",
            "service": "currencyservice",
            "at": "2026-03-01T11:40:12Z",
            "actor": "ops-bot",
            "source": "aws-ssm",
            "summary": "set /boutique/currency/cache_ttl_s = 300",
            "attributes": {
                "parameter": "/boutique/currency/cache_ttl_s",
                "before": "120",
                "after": "300",
            },
        },
    ]
    write("changes.jsonl", "".join(jline(c) for c in own))


def minutes() -> list[datetime]:
    return [T0 + timedelta(minutes=i) for i in range(MINUTES)]


def metrics() -> None:
    base = {
        "frontend": (118.0, 430.0, 0.0),
        "checkoutservice": (84.0, 360.0, 0.5),
        "cartservice": (14.0, 190.0, -1.5),
        "productcatalogservice": (9.0, 9.0, 0.0),
        "currencyservice": (6.0, 6.0, 0.0),
    }
    rows = []
    for t in minutes():
        # a gentle daily-traffic slope, so baselines are not flat lines
        slope = 1.0 + 0.08 * math.sin((t - T0).total_seconds() / 5400.0)
        for svc, (normal, degraded, lag) in base.items():
            value = degraded if bad(t, lag + (2 if svc == "frontend" else 0)) else normal
            value *= slope * rng.gauss(1.0, 0.06)
            rows.append((iso(t)[:-5] + "Z", svc, "latency_p95_ms", f"{value:.1f}"))
    with (OUT / "metrics").joinpath("latency.csv").open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["timestamp", "service", "metric", "value"])
        w.writerows(rows)
    result = []
    ratios = {
        "frontend": (0.002, 0.041, 2.0),
        "checkoutservice": (0.001, 0.052, 1.0),
        "cartservice": (0.0005, 0.083, 0.0),
    }
    for svc, (normal, degraded, lag) in ratios.items():
        values = []
        for t in minutes():
            r = degraded if bad(t, lag) else normal
            r = max(0.0, r * rng.gauss(1.0, 0.15))
            values.append([t.timestamp(), f"{r:.5f}"])
        result.append({"metric": {"service": svc, "namespace": "boutique"}, "values": values})
    write(
        "metrics/errors.json",
        json.dumps(
            {"status": "success", "data": {"resultType": "matrix", "result": result}},
            separators=(",", ":"),
        )
        + "\n",
    )


def otlp_attr(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def logs() -> None:
    lines = []
    # cartservice: OTLP/JSON export requests, one per 5 minutes
    for start in range(0, MINUTES, 5):
        records = []
        for m in range(start, start + 5):
            t = T0 + timedelta(minutes=m, seconds=rng.randint(0, 50))
            trace = hexid("cart", m)
            if bad(t):
                for k in range(3):
                    records.append(
                        {
                            "timeUnixNano": ns(t + timedelta(seconds=k * 2)),
                            "severityNumber": 17,
                            "severityText": "ERROR",
                            "body": {
                                "stringValue": "failed to get cart for user "
                                f"{rng.randint(1000, 9999)}: redis GET timed out after 250ms"
                            },
                            "attributes": [otlp_attr("rpc.method", "GetCart")],
                            "traceId": trace,
                            "spanId": hexid("cs", m, k, n=16),
                        }
                    )
            else:
                records.append(
                    {
                        "timeUnixNano": ns(t),
                        "severityNumber": 9,
                        "severityText": "INFO",
                        "body": {
                            "stringValue": f"GetCart served for user {rng.randint(1000, 9999)} "
                            f"in {rng.randint(3, 20)}ms"
                        },
                        "traceId": trace,
                        "spanId": hexid("cs", m, n=16),
                    }
                )
        lines.append(
            jline(
                {
                    "resourceLogs": [
                        {
                            "resource": {
                                "attributes": [
                                    otlp_attr("service.name", "cartservice"),
                                    otlp_attr(
                                        "service.version",
                                        "1.4.2" if bad(T0 + timedelta(minutes=start)) else "1.4.1",
                                    ),
                                ]
                            },
                            "scopeLogs": [
                                {"scope": {"name": "cartservice"}, "logRecords": records}
                            ],
                        }
                    ]
                }
            )
        )
    # frontend: plain JSON lines
    for m in range(MINUTES):
        t = T0 + timedelta(minutes=m, seconds=rng.randint(0, 59))
        if bad(t, 2.0):
            for k in range(3):
                lines.append(
                    jline(
                        {
                            "timestamp": iso(t + timedelta(seconds=k)),
                            "service": "frontend",
                            "severity": "error",
                            "body": "request error: rpc error: code = DeadlineExceeded desc = "
                            "context deadline exceeded (checkout)",
                            "trace_id": hexid("fe", m, k),
                        }
                    )
                )
        elif m % 2 == 0:
            lines.append(
                jline(
                    {
                        "timestamp": iso(t),
                        "service": "frontend",
                        "severity": "info",
                        "body": f"request complete GET /product/{rng.randint(1, 9)} status=200",
                        "trace_id": hexid("fe", m),
                    }
                )
            )
    write("logs/app.jsonl", "".join(lines))


def traces() -> None:
    lines = []
    for start in range(0, MINUTES, 5):
        per_service: dict[str, list[dict[str, Any]]] = {
            "frontend": [],
            "checkoutservice": [],
            "cartservice": [],
        }
        for m in range(start, start + 5, 5):
            t = T0 + timedelta(minutes=m, seconds=10)
            trace = hexid("trace", m)
            failing = bad(t)
            cart_ms = 240 if failing else 12
            co_ms = cart_ms + 70
            fe_ms = co_ms + 40
            spans = [
                ("frontend", "fe", None, "POST /cart/checkout", 2, fe_ms, failing),
                (
                    "checkoutservice",
                    "co",
                    "fe",
                    "hipstershop.CheckoutService/PlaceOrder",
                    2,
                    co_ms,
                    failing,
                ),
                ("cartservice", "ca", "co", "hipstershop.CartService/GetCart", 2, cart_ms, failing),
            ]
            for svc, sid, parent, name, kind, dur, err in spans:
                span: dict[str, Any] = {
                    "traceId": trace,
                    "spanId": hexid(sid, m, n=16),
                    "name": name,
                    "kind": kind,
                    "startTimeUnixNano": ns(t),
                    "endTimeUnixNano": ns(t + timedelta(milliseconds=dur)),
                    "attributes": [otlp_attr("rpc.system", "grpc")],
                    "status": {"code": 2, "message": "DeadlineExceeded"} if err else {"code": 1},
                }
                if parent:
                    span["parentSpanId"] = hexid(parent, m, n=16)
                per_service[svc].append(span)
        lines.append(
            jline(
                {
                    "resourceSpans": [
                        {
                            "resource": {"attributes": [otlp_attr("service.name", svc)]},
                            "scopeSpans": [
                                {"scope": {"name": "opentelemetry-go"}, "spans": spans_}
                            ],
                        }
                        for svc, spans_ in per_service.items()
                    ]
                }
            )
        )
    write("traces/traces.jsonl", "".join(lines))


def alerts() -> None:
    common = {"namespace": "boutique", "severity": "page"}
    url = "http://prometheus.example.com/graph?g0.expr="

    def item(
        name: str, svc: str, status: str, starts: str, ends: str, summary: str
    ) -> dict[str, Any]:
        labels = {"alertname": name, "service": svc, **common}
        return {
            "status": status,
            "labels": labels,
            "annotations": {
                "summary": summary,
                "runbook_url": f"https://runbooks.example.com/{name}",
            },
            "startsAt": starts,
            "endsAt": ends,
            "generatorURL": url + name,
            "fingerprint": hexid(name, svc, n=16),
        }

    def payload(status: str, alerts_: list[dict[str, Any]], name: str) -> dict[str, Any]:
        return {
            "receiver": "oncall-pager",
            "status": status,
            "alerts": alerts_,
            "groupLabels": {"alertname": name},
            "commonLabels": alerts_[0]["labels"],
            "commonAnnotations": {},
            "externalURL": "http://alertmanager.example.com",
            "version": "4",
            "groupKey": '{}:{alertname="' + name + '"}',
            "truncatedAlerts": 0,
        }

    zero = "0001-01-01T00:00:00Z"
    doc = [
        payload(
            "firing",
            [
                item(
                    "CartServiceErrorRate",
                    "cartservice",
                    "firing",
                    "2026-03-01T12:02:00Z",
                    zero,
                    "cartservice error ratio above 5%",
                )
            ],
            "CartServiceErrorRate",
        ),
        payload(
            "firing",
            [
                item(
                    "FrontendLatencyHigh",
                    "frontend",
                    "firing",
                    "2026-03-01T12:04:00Z",
                    zero,
                    "frontend p95 latency above 300ms",
                )
            ],
            "FrontendLatencyHigh",
        ),
        payload(
            "resolved",
            [
                item(
                    "CartServiceErrorRate",
                    "cartservice",
                    "resolved",
                    "2026-03-01T12:02:00Z",
                    "2026-03-01T12:45:00Z",
                    "cartservice error ratio above 5%",
                )
            ],
            "CartServiceErrorRate",
        ),
        payload(
            "resolved",
            [
                item(
                    "FrontendLatencyHigh",
                    "frontend",
                    "resolved",
                    "2026-03-01T12:04:00Z",
                    "2026-03-01T12:48:00Z",
                    "frontend p95 latency above 300ms",
                )
            ],
            "FrontendLatencyHigh",
        ),
    ]
    write("alerts/alertmanager.json", json.dumps(doc, indent=1) + "\n")


def main() -> None:
    (OUT / "metrics").mkdir(parents=True, exist_ok=True)
    incident()
    topology()
    changes()
    metrics()
    logs()
    traces()
    alerts()
    write(
        "README.md",
        "# checkout-latency\n\nAn example incident bundle (see ../../../docs and the bundle "
        "contract). Generated by `examples/bundles/make_checkout_latency.py`; see its docstring "
        "for the story. Synthetic data.\n",
    )


if __name__ == "__main__":
    main()
