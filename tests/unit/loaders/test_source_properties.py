"""Property tests of the parsers issue 12 changed: whatever they are given, they parse, skip or
reject naming the field, and never crash (no server)."""

from __future__ import annotations

import base64
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcagraph.loaders.alerts import label_fingerprint, parse_payloads
from rcagraph.loaders.base import Rejection
from rcagraph.loaders.changes import parse_cdevent, parse_flag_change, parse_lines
from rcagraph.loaders.changes.cdevents import IncidentEventRow
from rcagraph.loaders.changes.load import Skipped
from rcagraph.loaders.changes.row import ChangeRow
from rcagraph.loaders.metrics import Sample, iter_prometheus
from rcagraph.loaders.records import RecordError, RecordSkipped
from rcagraph.loaders.topology import parse_catalog

PROP = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
)
anything = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
maybe = anything | st.just("__absent__")


def put(d: dict[str, Any], key: str, value: Any) -> None:
    if value != "__absent__":
        d[key] = value


TYPES = st.sampled_from(
    [
        "dev.cdevents.service.deployed.0.2.0",
        "dev.cdevents.service.rolledback.0.2.0",
        "dev.cdevents.service.published.0.2.0",
        "dev.cdevents.incident.detected.0.2.0",
        "dev.cdevents.incident.reported.0.2.0-draft",
        "dev.cdevents.incident.resolved.0.2.0",
        "dev.cdevents.pipelineRun.finished.0.2.0",
        "dev.cdevents.service",
        "",
    ]
)
TIMES = st.sampled_from(["2026-03-01T12:00:00Z", "2026-03-01T12:00:00", "nope", 17]) | anything


@st.composite
def cdevents(draw: st.DrawFn) -> Any:
    context: dict[str, Any] = {}
    put(context, "id", draw(st.sampled_from(["e1", ""]) | maybe))
    put(context, "type", draw(TYPES | maybe))
    put(context, "timestamp", draw(TIMES | st.just("__absent__")))
    put(context, "source", draw(st.text(max_size=8) | maybe))
    content: dict[str, Any] = {}
    put(content, "artifactId", draw(st.sampled_from(["pkg:oci/a@v1", "x"]) | maybe))
    put(content, "service", draw(st.fixed_dictionaries({"id": st.text(max_size=6)}) | maybe))
    put(content, "ticketURI", draw(st.text(max_size=8) | maybe))
    put(content, "description", draw(maybe))
    put(content, "environment", draw(st.fixed_dictionaries({"id": st.text(max_size=4)}) | maybe))
    subject: dict[str, Any] = {}
    put(subject, "id", draw(st.sampled_from(["service/cart", "INC-1", ""]) | maybe))
    put(subject, "content", draw(st.just(content) | maybe))
    event: dict[str, Any] = {}
    put(event, "context", draw(st.just(context) | maybe))
    put(event, "subject", draw(st.just(subject) | maybe))
    put(event, "customData", draw(st.fixed_dictionaries({"severity": scalars}) | maybe))
    wrap = draw(st.sampled_from(["plain", "data", "string", "base64", "bare", "junk"]))
    env: dict[str, Any] = {"specversion": "1.0", "id": "ce", "type": context.get("type")}
    put(env, "time", draw(TIMES | st.just("__absent__")))
    if wrap == "plain":
        return event
    if wrap == "data":
        return env | {"data": event}
    if wrap == "string":
        return env | {"data": json.dumps(event)}
    if wrap == "base64":
        return env | {"data_base64": base64.b64encode(json.dumps(event).encode()).decode()}
    if wrap == "bare":
        return env | {"data": {k: v for k, v in event.items() if k != "context"}}
    return env | {"data": draw(anything), "data_base64": draw(anything)}


@PROP
@given(cdevents())
def test_a_cdevent_parses_skips_or_is_rejected_naming_the_field(event: Any) -> None:
    try:
        row = parse_cdevent(event)
    except RecordSkipped as exc:
        assert exc.reason.startswith(("CDEvents ", "CloudEvents of type"))
    except RecordError as exc:
        assert exc.field, exc.reason
    else:
        assert isinstance(row, ChangeRow | IncidentEventRow)
        assert row.at.tzinfo is not None


@PROP
@given(st.lists(cdevents() | st.lists(cdevents(), max_size=3), max_size=4))
def test_no_cdevents_file_crashes_the_deployments_parser(lines: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "deployments.jsonl"
        path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
        for where, item in parse_lines(path, "deployments.jsonl", "deployment", parse_cdevent):
            assert where.line is not None
            if isinstance(item, Rejection):
                assert item.line == where.line and item.reason and item.field
            assert isinstance(item, ChangeRow | IncidentEventRow | Rejection | Skipped)


ENVS = st.sampled_from(["production", "staging"])
blocks = st.fixed_dictionaries(
    {"on": st.booleans()},
    optional={"fallthrough": st.fixed_dictionaries({"variation": st.integers(0, 1)})},
)


@st.composite
def ld_versions(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.booleans()):
        return None
    version: dict[str, Any] = {"key": "f", "variations": [{"value": True}, {"value": False}]}
    if draw(st.booleans()):
        version["environments"] = draw(st.dictionaries(ENVS, blocks, max_size=2))
    return version


@PROP
@given(ld_versions(), ld_versions(), ENVS, st.sampled_from(["flag", "environment", "project"]))
def test_launchdarkly_never_compares_an_environment_with_a_whole_flag(
    current: Any, previous: Any, env: str, kind: str
) -> None:
    entry = {
        "_id": "x",
        "date": 1772366400000,
        "kind": kind,
        "accesses": [{"action": "updateOn", "resource": f"proj/p:env/{env}:flag/f"}],
        "currentVersion": current,
        "previousVersion": previous,
    }
    try:
        row = parse_flag_change(entry)
    except RecordSkipped:
        assert kind != "flag"
        return
    assert kind == "flag"
    sides = [json.loads(s) for s in (row.before, row.after) if s is not None]
    whole = ["environments" in s or "variations" in s for s in sides]
    assert len(set(whole)) <= 1, (row.before, row.after)  # both whole flags, or both env blocks


labels = st.dictionaries(
    st.sampled_from(["alertname", "service", "job", "severity", "a", ""]) | st.text(max_size=4),
    st.text(max_size=6),
    max_size=4,
)


@st.composite
def alert_payloads(draw: st.DrawFn) -> Any:
    alerts = []
    for _ in range(draw(st.integers(0, 3))):
        a: dict[str, Any] = {"labels": draw(labels | anything)}
        put(a, "status", draw(st.sampled_from(["firing", "resolved", "pending"]) | maybe))
        put(a, "fingerprint", draw(st.sampled_from(["", "abc"]) | maybe))
        put(a, "startsAt", draw(TIMES))
        put(a, "endsAt", draw(st.sampled_from(["0001-01-01T00:00:00Z"]) | maybe))
        put(a, "valueString", draw(maybe))
        alerts.append(a)
    payload: dict[str, Any] = {"alerts": alerts}
    put(payload, "version", draw(st.sampled_from(["1", "4", "9"]) | maybe))
    put(payload, "status", draw(st.sampled_from(["firing", "resolved"]) | maybe))
    put(payload, "orgId", draw(maybe))
    put(payload, "state", draw(maybe))
    put(payload, "commonLabels", draw(labels | maybe))
    return payload if draw(st.booleans()) else [payload, draw(anything)]


@PROP
@given(alert_payloads())
def test_no_alert_payload_crashes_and_every_alert_has_a_fingerprint(doc: Any) -> None:
    for _, item in parse_payloads(doc, "alerts/x.json"):
        if isinstance(item, Rejection):
            assert item.pointer and item.reason and item.field
        else:
            assert item.fingerprint and item.status in ("firing", "resolved")


@PROP
@given(st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=5))
def test_the_fingerprint_is_16_hex_digits_whatever_the_label_order(pairs: dict[str, str]) -> None:
    fp = label_fingerprint(pairs)
    assert re.fullmatch(r"[0-9a-f]{16}", fp)
    assert label_fingerprint(dict(reversed(list(pairs.items())))) == fp


refs = st.sampled_from(
    ["component:cart", "component:pay/cart", "user:ana", "user:pay/ana", "group:x", "a:b:c", "/"]
) | st.text(max_size=8)


@st.composite
def catalog_docs(draw: st.DrawFn) -> str:
    docs = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["Component", "Resource", "User", "Group", "Domain", "API"]))
        meta: dict[str, Any] = {"name": draw(st.sampled_from(["cart", "ana", ""]))}
        put(meta, "namespace", draw(st.sampled_from(["default", "pay", ""]) | maybe))
        spec: dict[str, Any] = {"type": "service", "lifecycle": "production"}
        put(spec, "owner", draw(refs | maybe))
        put(spec, "subcomponentOf", draw(refs | maybe))
        put(spec, "dependsOn", draw(st.lists(refs, max_size=2) | maybe))
        put(spec, "profile", draw(st.fixed_dictionaries({"email": st.text(max_size=5)}) | maybe))
        doc = {"apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": meta, "spec": spec}
        docs.append(json.dumps(doc))  # JSON is YAML
    return "\n---\n".join(docs)


@PROP
@given(catalog_docs())
def test_no_catalog_crashes_and_names_never_collide_across_namespaces(text: str) -> None:
    def prov(source: str, ref: str) -> dict[str, Any]:
        return {"source": source, "source_ref": ref, "loader_version": "t"}

    rows, rejections, read = parse_catalog(text, "t.yaml", "s", prov)
    assert all(r.file == "t.yaml" and r.line is not None and r.field for r in rejections)
    assert rows.entities + len(rejections) + len(rows.skipped) == read
    for row in rows.services + rows.resources:
        assert row["uid"] == f"s|Component|{row['name']}"


@st.composite
def prometheus_answers(draw: st.DrawFn) -> Any:
    results = []
    for _ in range(draw(st.integers(0, 3))):
        r: dict[str, Any] = {"metric": draw(st.just({"job": "cart"}) | anything)}
        sample = st.tuples(st.sampled_from([1772366400, "1772366400.5", "x"]), anything).map(list)
        hist = st.fixed_dictionaries(
            {}, optional={"count": st.sampled_from(["3", "x", 2]), "sum": scalars}
        )
        hsample = st.tuples(st.just(1772366400), hist | anything).map(list)
        put(r, "values", draw(st.lists(sample, max_size=2) | maybe))
        put(r, "value", draw(sample | maybe))
        put(r, "histograms", draw(st.lists(hsample, max_size=2) | maybe))
        put(r, "histogram", draw(hsample | maybe))
        results.append(r)
    rtype = draw(st.sampled_from(["matrix", "vector", "scalar"]))
    return {"status": "success", "data": {"resultType": rtype, "result": results}}


@PROP
@given(prometheus_answers())
def test_no_prometheus_answer_crashes_the_metrics_parser(doc: Any) -> None:
    for item in iter_prometheus(doc, "metrics/p.json", "p"):
        if isinstance(item, Rejection):
            assert item.pointer and item.reason and item.field
        else:
            assert isinstance(item, Sample) and item.json_ref.startswith("/data/result/")


UNLEASH_TYPES = st.sampled_from(
    [
        "feature-created",
        "feature-updated",
        "feature-environment-enabled",
        "feature-environment-disabled",
        "feature-strategy-update",
        "feature-tagged",
        "strategy-created",
        "project-created",
        "",
    ]
)


@st.composite
def unleash_events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {}
    put(event, "id", draw(st.integers(-1, 5) | maybe))
    put(event, "type", draw(UNLEASH_TYPES | maybe))
    put(event, "createdAt", draw(TIMES))
    put(event, "featureName", draw(st.sampled_from(["new-checkout", "", None]) | maybe))
    put(event, "environment", draw(st.sampled_from(["production", None]) | maybe))
    put(event, "data", draw(st.fixed_dictionaries({"parameters": anything}) | maybe))
    put(event, "preData", draw(maybe))
    tag = st.fixed_dictionaries({"type": st.text(max_size=3), "value": st.text(max_size=8)})
    put(event, "tags", draw(st.lists(tag, max_size=2) | maybe))
    return event


@PROP
@given(unleash_events())
def test_an_unleash_event_is_a_flag_change_a_skip_or_a_rejection_naming_its_field(
    event: dict[str, Any],
) -> None:
    try:
        row = parse_flag_change(event)
    except RecordSkipped as exc:
        assert exc.reason.startswith("Unleash ")
        assert not event.get("featureName") or event.get("type") == "feature-tagged"
    except RecordError as exc:
        assert exc.field, exc.reason
    else:
        assert row.flag_key == event["featureName"] and row.flag_provider == "unleash"
        assert row.change_id == str(event["id"])
