"""Names that key index-backed properties are bounded to ``MAX_KEY_CHARS`` in every parser that
takes them from input (catalog names and references, edges.csv, log and metric services), and
documents read whole are refused by size before they are read (issue 13; no server).

Property-based: whatever the name's length, a record keyed on a name over the bound is a
rejection naming the file, where, and the field; the other records of the file are kept."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcagraph.loaders.base import Rejection
from rcagraph.loaders.limits import MAX_DOCUMENT_BYTES, MAX_KEY_CHARS
from rcagraph.loaders.logs.parse import parse_log_value
from rcagraph.loaders.metrics import MetricsLoader, Sample, iter_prometheus, parse_csv_row
from rcagraph.loaders.records import Where, bounded_key, oversized_document, read_json_document
from rcagraph.loaders.topology import parse_catalog, parse_edges

PROP = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
#: name lengths around the bound
LENGTHS = st.sampled_from([1, MAX_KEY_CHARS - 1, MAX_KEY_CHARS, MAX_KEY_CHARS + 1]) | st.integers(
    1, 3 * MAX_KEY_CHARS
)
LETTERS = st.sampled_from("abcxyz")


def _name(length: int, letter: str) -> str:
    return letter * length


def _prov(source: str, ref: str) -> dict[str, Any]:
    return {"source": source, "source_ref": ref, "loader_version": "t"}


@PROP
@given(length=LENGTHS, letter=LETTERS)
def test_bounded_key(length: int, letter: str) -> None:
    name = _name(length, letter)
    if length <= MAX_KEY_CHARS:
        assert bounded_key(name, "f") == name
    else:
        with pytest.raises(Exception, match=f"longer than {MAX_KEY_CHARS}") as err:
            bounded_key(name, "f")
        assert getattr(err.value, "field", None) == "f"


FIELDS = st.sampled_from(
    ["metadata.name", "spec.owner", "spec.system", "spec.dependsOn.0", "spec.providesApis.0"]
)


def _component(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": name},
        "spec": {"type": "service", "lifecycle": "production", "owner": "team-a", **spec},
    }


@PROP
@given(length=LENGTHS, field=FIELDS)
def test_catalog_names_and_references_are_bounded(length: int, field: str) -> None:
    long = _name(length, "n")
    doc = _component("cart")
    if field == "metadata.name":
        doc["metadata"]["name"] = long
    elif field == "spec.owner":
        doc["spec"]["owner"] = long
    elif field == "spec.system":
        doc["spec"]["system"] = long
    elif field == "spec.dependsOn.0":
        doc["spec"]["dependsOn"] = [long]
    else:
        doc["spec"]["providesApis"] = [long]
    text = json.dumps(doc) + "\n---\n" + json.dumps(_component("frontend"))
    rows, rejections, read = parse_catalog(text, "topology/c.yaml", "s", _prov)
    assert read == 2
    names = {r["name"] for r in rows.services}
    assert "frontend" in names  # the other entity loads
    if length <= MAX_KEY_CHARS:
        assert rejections == [] and len(names) == 2
    else:
        assert [(r.file, r.line, r.field) for r in rejections] == [("topology/c.yaml", 1, field)]
        assert f"longer than {MAX_KEY_CHARS}" in rejections[0].reason
        assert names == {"frontend"}


@PROP
@given(caller=LENGTHS, callee=LENGTHS)
def test_edges_csv_names_are_bounded(caller: int, callee: int) -> None:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["caller", "callee", "calls"])
    w.writerow([_name(caller, "a"), _name(callee, "b"), 3])
    w.writerow(["frontend", "cart", 5])
    items = list(parse_edges(iter(out.getvalue().splitlines(True)), "edges.csv", "s", _prov))
    rejections = [i for i in items if isinstance(i, Rejection)]
    rows = [i for i in items if not isinstance(i, Rejection)]
    assert {"caller": "frontend", "callee": "cart"}.items() <= rows[-1].items()
    if caller <= MAX_KEY_CHARS and callee <= MAX_KEY_CHARS:
        assert rejections == [] and len(rows) == 2
    else:
        field = "caller" if caller > MAX_KEY_CHARS else "callee"
        assert [(r.file, r.line, r.field) for r in rejections] == [("edges.csv", 2, field)]


@PROP
@given(length=LENGTHS)
def test_log_record_services_are_bounded(length: int) -> None:
    record = {"timestamp": "2026-03-01T12:00:00Z", "service": _name(length, "s"), "body": "x"}
    (item,) = parse_log_value(record, Where("logs/app.jsonl", line=7))
    if length <= MAX_KEY_CHARS:
        assert not isinstance(item, Rejection)
    else:
        assert isinstance(item, Rejection)
        assert (item.file, item.line, item.field) == ("logs/app.jsonl", 7, "service")


@PROP
@given(length=LENGTHS)
def test_metric_services_are_bounded(length: int) -> None:
    row = {"timestamp": "2026-03-01T12:00:00Z", "service": _name(length, "m"), "metric": "cpu"}
    item = parse_csv_row(row | {"value": "1"}, Where("metrics/m.csv", line=3))
    prom = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {"metric": {"job": _name(length, "m")}, "value": [1772366400, "1"]},
                {"metric": {"job": "cart"}, "value": [1772366400, "2"]},
            ],
        },
    }
    items = list(iter_prometheus(prom, "metrics/p.json", "cpu"))
    samples = [i for i in items if isinstance(i, Sample)]
    assert [s.service for s in samples][-1] == "cart"  # the other series loads
    if length <= MAX_KEY_CHARS:
        assert isinstance(item, Sample) and len(samples) == 2
    else:
        assert isinstance(item, Rejection) and (item.line, item.field) == (3, "service")
        (rejected,) = [i for i in items if isinstance(i, Rejection)]
        assert (
            rejected.field == "metric.service" and rejected.pointer == "/data/result/0/metric/job"
        )


@pytest.mark.parametrize("extra", [-1, 0, 1, 1000])
def test_documents_are_refused_by_size_before_they_are_read(tmp_path: Path, extra: int) -> None:
    path = tmp_path / "alerts.json"
    with path.open("wb") as fh:  # sparse: a size without the bytes
        fh.truncate(MAX_DOCUMENT_BYTES + extra)
    reason = oversized_document(path)
    if extra <= 0:
        assert reason is None
        return
    assert reason is not None and str(MAX_DOCUMENT_BYTES) in reason
    doc = read_json_document(path, "alerts/a.json", "alert")
    assert isinstance(doc, Rejection) and doc.file == "alerts/a.json" and doc.reason == reason
    (prom,) = list(MetricsLoader._json(path, "metrics/p.json"))
    assert isinstance(prom, Rejection) and prom.reason == reason and prom.field == "$"
