"""Receivers as the tools call them (issue 12 items 9-11 and the Unleash receiver): valid but
unused events answered 2xx and counted as skipped, structured and batched CloudEvents, alerts
without fingerprints, the Unleash webhook addon."""

from __future__ import annotations

import json
from typing import Any

from rcagraph.graph import Query
from tests.api.conftest import Api
from tests.integration.loaders.test_source_bundles import LD_ENVIRONMENT, UNLEASH_STRATEGY
from tests.unit.loaders.test_source_shapes import (
    DEPLOYED,
    OLD_ALERTMANAGER,
    PUBLISHED,
    envelope,
    incident_event,
)

CHANGES = Query(
    "t.api_changes",
    "MATCH (c:Change) RETURN c.change_id AS id, c.kind AS kind, c.flag_key AS flag, "
    "c.action AS action, c.environment AS env ORDER BY id",
)
INCIDENTS = Query("t.api_incidents", "MATCH (i:Incident) RETURN i.id AS id, i.status AS status")

#: an Unleash webhook addon body with no bodyTemplate: the event as Unleash stores it
UNLEASH_ENABLED: dict[str, Any] = {
    "id": 1077,
    "type": "feature-environment-enabled",
    "createdBy": "ana@example.com",
    "createdByUserId": 3,
    "createdAt": "2026-03-01T11:58:12.331Z",
    "data": None,
    "preData": None,
    "tags": [{"type": "simple", "value": "service:checkout"}],
    "featureName": "new-checkout",
    "project": "shop",
    "environment": "production",
    "label": "Flag enabled",
    "summary": "**ana@example.com** enabled **new-checkout** in **production**",
}


def post(api: Api, path: str, body: Any, ctype: str = "application/json") -> Any:
    r = api.client.post(
        path, content=json.dumps(body), headers=api.h("responder") | {"Content-Type": ctype}
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_structured_and_batched_cloudevents_and_skips(api: Api) -> None:
    one = post(api, "/api/v1/ingest/cdevents", envelope(DEPLOYED), "application/cloudevents+json")
    assert one["kinds"]["deployment"]["loaded"] == 1
    batch = [
        envelope(PUBLISHED),
        envelope(incident_event("detected", "2026-03-01T12:01:00Z", description="slow")),
    ]
    got = post(api, "/api/v1/ingest/cdevents", batch, "application/cloudevents-batch+json")
    assert got["rejected"] == 0
    assert got["kinds"]["deployment"]["skipped"] == 1
    assert got["kinds"]["deployment"]["skip_reasons"] == {
        "CDEvents service.published is not used": 1
    }
    assert got["kinds"]["incident_event"]["loaded"] == 1
    # nothing but skipped events is still a 2xx: the sender must not retry
    only = post(api, "/api/v1/ingest/cdevents", PUBLISHED)
    assert only["kinds"]["deployment"]["skipped"] == 1
    assert api.rca.graph.read(INCIDENTS) == [{"id": "INC-77", "status": "open"}]


def test_launchdarkly_environment_webhook_is_acknowledged(api: Api) -> None:
    got = post(api, "/api/v1/ingest/launchdarkly", LD_ENVIRONMENT)
    assert got["kinds"]["flag_change"]["skipped"] == 1 and got["rejected"] == 0
    assert api.rca.graph.read(CHANGES) == []


def test_alerts_without_fingerprints(api: Api) -> None:
    got = post(api, "/api/v1/ingest/alertmanager", OLD_ALERTMANAGER)
    assert got["kinds"]["alert"]["loaded"] == 2 and got["rejected"] == 0


def test_unleash_webhook_addon(api: Api) -> None:
    got = post(api, "/api/v1/ingest/unleash", UNLEASH_ENABLED)
    assert got["kinds"]["flag_change"]["loaded"] == 1
    assert api.rca.graph.read(CHANGES) == [
        {
            "id": "1077",
            "kind": "flag",
            "flag": "new-checkout",
            "action": "feature-environment-enabled",
            "env": "production",
        }
    ]
    skipped = post(api, "/api/v1/ingest/unleash", [UNLEASH_STRATEGY])
    assert skipped["kinds"]["flag_change"]["skipped"] == 1
    again = post(api, "/api/v1/ingest/unleash", UNLEASH_ENABLED)  # a retry changes nothing
    assert again["kinds"]["flag_change"]["merged"] == 1 and len(api.rca.graph.read(CHANGES)) == 1
    bad = api.client.post(
        "/api/v1/ingest/unleash",
        json=UNLEASH_ENABLED | {"createdAt": "yesterday"},
        headers=api.h("responder"),
    )
    assert bad.status_code == 422 and "createdAt" in bad.text
    assert api.client.post("/api/v1/ingest/unleash", json=UNLEASH_ENABLED).status_code == 401


SOURCE_REFS = Query(
    "t.api_change_refs",
    "MATCH (c:Change) RETURN c.change_id AS id, c.source AS source, c.source_ref AS ref "
    "ORDER BY ref",
)


def test_an_array_deliverys_provenance_is_the_elements_index(api: Api) -> None:
    """Two CDEvents in one JSON array: each change's provenance names the endpoint and its
    index in what was sent (``[1]``), not the line of the internal file it was written to."""
    second = json.loads(json.dumps(DEPLOYED))
    second["context"]["id"] = "0b9e2c41-5d7f-4a8e-b3c6-1f2a3b4c5d6e"
    second["subject"]["id"] = "service/payment"
    post(api, "/api/v1/ingest/cdevents", [DEPLOYED, second])
    rows = api.rca.graph.read(SOURCE_REFS)
    assert [r["ref"] for r in rows] == ["[0]", "[1]"]
    assert all(r["source"].startswith("POST /api/v1/ingest/cdevents sha256:") for r in rows)
