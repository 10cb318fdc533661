"""Parsers of the bundle loaders (incident, topology, changes, alerts), without a server."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcagraph.errors import BundleError
from rcagraph.loaders.alerts import parse_payloads
from rcagraph.loaders.base import Rejection
from rcagraph.loaders.changes import (
    parse_cdevent,
    parse_change_record,
    parse_flag_change,
    parse_lines,
    purl_version,
)
from rcagraph.loaders.changes.row import ChangeRow
from rcagraph.loaders.incident import read_incident
from rcagraph.loaders.records import RecordError, RecordSkipped
from rcagraph.loaders.topology import parse_catalog, parse_edges, parse_ref

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "bundles" / "checkout-latency"


def prov(source: str, ref: str) -> dict[str, Any]:
    return {"source": source, "source_ref": ref, "loader_version": "t"}


def example_lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (EXAMPLE / name).read_text().splitlines()]


# -- changes ---------------------------------------------------------------------------------


def test_cdevent_upgrade_gives_service_version_and_custom_data() -> None:
    row = parse_cdevent(example_lines("deployments.jsonl")[1])
    assert isinstance(row, ChangeRow)
    assert (row.services, row.version, row.action, row.rollback) == (
        ["cartservice"],
        "v1.4.2",
        "upgraded",
        False,
    )
    assert row.previous_version == "1.4.1" and row.rollout_share == 1.0
    assert row.environment == "production" and row.at.isoformat().startswith("2026-03-01T11:58")


def test_cdevent_rollback_and_bad_shapes_name_the_field() -> None:
    events = example_lines("deployments.jsonl")
    rollback = parse_cdevent(events[2])
    assert isinstance(rollback, ChangeRow) and rollback.rollback is True
    other = json.loads(json.dumps(events[0]))
    other["context"]["type"] = "dev.cdevents.pipelinerun.started.0.2.0"
    with pytest.raises(RecordSkipped, match=r"pipelinerun\.started is not used"):
        parse_cdevent(other)
    other["context"]["type"] = "dev.cdevents.pipelinerun"
    with pytest.raises(RecordError) as info:
        parse_cdevent(other)
    assert info.value.field == "context.type"
    other = json.loads(json.dumps(events[0]))
    other["subject"]["content"]["artifactId"] = "cartservice:1.4.2"
    with pytest.raises(RecordError) as info:
        parse_cdevent(other)
    assert info.value.field == "subject.content.artifactId"


def test_purl_version() -> None:
    assert purl_version("pkg:oci/cart@sha256%3Aabc?repository_url=x") == "sha256:abc"
    assert purl_version("pkg:golang/github.com/x/y@v1.2.3#sub") == "v1.2.3"
    assert purl_version("pkg:oci/cart") is None
    with pytest.raises(ValueError, match="package URL"):
        purl_version("docker.io/cart:1")


def test_launchdarkly_entry_and_unleash_event() -> None:
    ld, unleash = example_lines("flags.jsonl")
    row = parse_flag_change(ld)
    assert row.flag_key == "recommendation-ranking-v2" and row.flag_provider == "launchdarkly"
    assert row.services == ["recommendationservice"] and row.environment == "production"
    assert row.action == "updateRules" and row.actor == "maria@example.com"
    assert row.at.isoformat() == "2026-03-01T11:20:41+00:00"
    row = parse_flag_change(unleash)
    assert row.change_id == "4211" and row.rollout_share == 0.25 and row.services == ["frontend"]
    bad = dict(ld, date="2026-03-01T11:20:41Z")
    with pytest.raises(RecordError) as info:
        parse_flag_change(bad)
    assert info.value.field == "date"
    with pytest.raises(RecordError) as info:
        parse_flag_change({"hello": 1})
    assert info.value.field == "_id"


def test_unleash_enable_without_data_gets_before_after() -> None:
    row = parse_flag_change(
        {
            "id": 3,
            "type": "feature-environment-enabled",
            "createdAt": "2026-03-01T10:00:00Z",
            "createdBy": "a",
            "featureName": "f",
            "environment": "prod",
            "tags": [{"type": "service", "value": "cart"}],
        }
    )
    assert json.loads(row.after or "") == {"enabled": True} and row.services == ["cart"]


def test_change_record() -> None:
    config = example_lines("changes.jsonl")[1]
    row = parse_change_record(config)
    assert row.kind == "config" and row.services == ["currencyservice"]
    assert json.loads(row.before or "") == "120"
    assert json.loads(row.attributes or "")["source"] == "aws-ssm"
    with pytest.raises(RecordError) as info:
        parse_change_record(dict(config, kind="reboot"))
    assert info.value.field == "kind"
    with pytest.raises(RecordError) as info:
        parse_change_record(dict(config, attributes={"rollout_share": 3}))
    assert info.value.field == "attributes.rollout_share"
    with pytest.raises(RecordError) as info:
        parse_change_record(dict(config, at="2026-03-01 11:40:12"))
    assert info.value.field == "at" and "no zone" in info.value.reason


def test_parse_lines_rejects_with_line_and_field(tmp_path: Path) -> None:
    good = (EXAMPLE / "changes.jsonl").read_text().splitlines()[0]
    path = tmp_path / "changes.jsonl"
    path.write_text("\n".join([good, "{not json", "", json.dumps({"id": "x"}), "[1]"]) + "\n")
    out = list(parse_lines(path, "changes.jsonl", "change", parse_change_record))
    rejections = [r for _, r in out if isinstance(r, Rejection)]
    assert [(r.line, r.field) for r in rejections] == [(2, "$"), (4, "kind"), (5, "$")]
    assert all(r.file == "changes.jsonl" and r.kind == "change" for r in rejections)
    assert "not valid JSON" in rejections[0].reason


# -- topology ----------------------------------------------------------------------------------


def test_entity_refs() -> None:
    assert parse_ref("component:default/cart").name == "cart"
    assert parse_ref("resource:redis").kind == "resource"
    assert parse_ref("cart-team", "group").kind == "group"
    with pytest.raises(ValueError, match="reference"):
        parse_ref("a/b/c")


def test_catalog_example_and_a_broken_document() -> None:
    text = (EXAMPLE / "topology" / "catalog.yaml").read_text()
    rows, rejections, read = parse_catalog(text, "topology/catalog.yaml", "s", prov)
    assert rejections == [] and read == 24 and rows.entities == 24
    assert {r["name"] for r in rows.resources} == {"redis-cart"}
    front = next(r for r in rows.services if r["name"] == "frontend")
    assert front["tier"] == "1" and "rcagraph.io/feature-flags" in front["annotations"]
    assert any(r["flag_key"] == "free-shipping-banner" for r in rows.uses_flag)
    broken = text.replace("  type: cache\n", "  type: [cache\n").replace(
        "  name: productcatalogservice\nspec:\n  type: service\n",
        "  name: productcatalogservice\nspec:\n",
    )
    rows, rejections, read = parse_catalog(broken, "c.yaml", "s", prov)
    assert read == 24 and rows.entities == 22
    fields = sorted((r.field or "", r.reason[:15]) for r in rejections)
    assert fields[0][1].startswith("not valid YAML") and fields[1][0] == "spec.type"
    assert all(r.line is not None and r.file == "c.yaml" for r in rejections)


def test_catalog_instrumented_annotation() -> None:
    doc = (
        "apiVersion: backstage.io/v1alpha1\nkind: Resource\n"
        "metadata:\n  name: {name}\n  annotations:\n    rcagraph.io/instrumented: {value}\n"
        "spec:\n  type: load-balancer\n  owner: group:web\n"
    )
    text = "---\n".join(
        doc.format(name=n, value=v)
        for n, v in (("lb", '"false"'), ("app", "'True'"), ("bad", "perhaps"))
    )
    rows, rejections, read = parse_catalog(text, "topology/c.yaml", "s", prov)
    assert read == 3 and {r["name"]: r["instrumented"] for r in rows.resources} == {
        "lb": False,
        "app": True,
    }
    assert [(r.line, r.field) for r in rejections] == [
        (21, "metadata.annotations.rcagraph.io/instrumented")
    ]
    assert "'perhaps'" in rejections[0].reason
    rows, _, _ = parse_catalog(
        doc.replace("  annotations:\n    rcagraph.io/instrumented: {value}\n", "").format(name="x"),
        "c.yaml",
        "s",
        prov,
    )
    assert rows.resources[0]["instrumented"] is None


def test_edges_csv_rows_and_rejections() -> None:
    text = "caller,callee,protocol,calls\na,b,grpc,10\n,b,,\na,c,http,many\na,d\n"
    out = list(parse_edges(io.StringIO(text), "topology/edges.csv", "s", prov))
    good = [r for r in out if not isinstance(r, Rejection)]
    bad = [r for r in out if isinstance(r, Rejection)]
    assert [(g["caller"], g["callee"], g["calls"]) for g in good] == [
        ("a", "b", 10.0),
        ("a", "d", None),
    ]
    assert [(r.line, r.field) for r in bad] == [(3, "caller"), (4, "calls")]
    missing = list(parse_edges(io.StringIO("from,to\na,b\n"), "e.csv", "s", prov))
    assert isinstance(missing[0], Rejection) and missing[0].field == "caller"


# -- alerts and incident -----------------------------------------------------------------------


def test_alertmanager_payloads() -> None:
    doc = json.loads((EXAMPLE / "alerts" / "alertmanager.json").read_text())
    out = list(parse_payloads(doc, "alerts/a.json"))
    rows = [r for _, r in out if not isinstance(r, Rejection)]
    assert len(rows) == 4
    firing, resolved = rows[1], rows[3]
    assert firing.ends_at is None and firing.service == "frontend"
    assert resolved.ends_at is not None and resolved.status == "resolved"
    single = doc[0]
    single["alerts"][0]["startsAt"] = "2026-03-01T12:02:00"
    ((_, rej),) = list(parse_payloads(single, "alerts/b.json"))
    assert isinstance(rej, Rejection) and rej.pointer == "/alerts/0" and rej.field == "startsAt"
    ((_, rej),) = list(parse_payloads({"version": "5", "alerts": []}, "alerts/c.json"))
    assert isinstance(rej, Rejection) and rej.field == "version"


def test_incident_required_and_validated(tmp_path: Path) -> None:
    assert read_incident(EXAMPLE).id == "INC-1042"
    with pytest.raises(BundleError, match=r"no incident\.json"):
        read_incident(tmp_path)
    (tmp_path / "incident.json").write_text(
        json.dumps({"id": "X", "severity": "SEV9", "started_at": "2026-03-01T12:00:00Z"})
    )
    with pytest.raises(BundleError) as info:
        read_incident(tmp_path)
    assert info.value.field == "severity"


# -- properties: no input crashes a parser; every rejection names its place ------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "_id",
                    "kind",
                    "context",
                    "subject",
                    "type",
                    "timestamp",
                    "at",
                    "date",
                    "accesses",
                    "featureName",
                    "createdAt",
                    "alerts",
                    "version",
                    "status",
                    "labels",
                    "startsAt",
                    "fingerprint",
                    "service",
                    "tags",
                ]
            )
            | st.text(max_size=8),
            inner,
            max_size=6,
        )
    ),
    max_leaves=20,
)
line_text = st.one_of(json_values.map(json.dumps), st.text(max_size=60))
PROP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROP
@given(st.lists(line_text, max_size=6))
def test_no_jsonl_input_crashes_a_change_parser(lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.jsonl"
        path.write_text("\n".join(lines), encoding="utf-8")
        for parse in (parse_cdevent, parse_flag_change, parse_change_record):
            for where, item in parse_lines(path, "x.jsonl", "k", parse):
                assert where.line is not None
                if isinstance(item, Rejection):
                    assert item.file == "x.jsonl" and item.line == where.line and item.reason


@PROP
@given(json_values)
def test_no_json_input_crashes_the_alert_parser(doc: object) -> None:
    for _, item in parse_payloads(doc, "alerts/x.json"):
        if isinstance(item, Rejection):
            assert item.file == "alerts/x.json" and item.pointer and item.reason


@PROP
@given(st.text(max_size=300))
def test_no_text_crashes_the_catalog_or_edges_parser(text: str) -> None:
    _, rejections, _ = parse_catalog(text, "t.yaml", "s", prov)
    assert all(r.file == "t.yaml" and r.line is not None for r in rejections)
    for item in parse_edges(io.StringIO("caller,callee,calls\n" + text), "e.csv", "s", prov):
        if isinstance(item, Rejection):
            assert item.file == "e.csv" and item.line is not None


@PROP
@given(json_values)
def test_no_incident_json_crashes_other_than_bundle_error(doc: object) -> None:
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "incident.json").write_text(json.dumps(doc))
        try:
            read_incident(Path(d))
        except BundleError as exc:
            assert exc.file == "incident.json"
