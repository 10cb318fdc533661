"""The synthetic incident generator: deterministic for a seed, and every bundle valid per the
incident-bundle contract (no server)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from rcagraph.engine.base import Truth
from rcagraph.loaders.timeparse import (
    from_epoch_ms,
    from_epoch_ns,
    parse_rfc3339,
    parse_rfc3339_or_epoch_s,
)
from rcagraph.synthetic.incidents import FAULT_VARIANTS, TOPOLOGIES, generate, plan_incident

SYSTEMS = sorted(TOPOLOGIES)


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("gen")
    return generate(out, SYSTEMS, 2, seed=11)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_same_bytes_other_seed_other_bundle(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", ["online-boutique", "sock-shop"], 1, seed=3)
    b = generate(tmp_path / "b", ["online-boutique", "sock-shop"], 1, seed=3)
    c = generate(tmp_path / "c", ["online-boutique", "sock-shop"], 1, seed=4)
    for x, y, z in zip(a, b, c, strict=True):
        fx, fy, fz = _files(x), _files(y), _files(z)
        assert fx == fy
        assert fx["incident.json"] != fz["incident.json"]


def _jsonl(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _change_ids(bundle: Path) -> dict[str, str | None]:
    """change id -> service, from every change file in its own form."""
    ids: dict[str, str | None] = {}
    for ev in _jsonl(bundle / "deployments.jsonl"):
        ctx, subj = ev["context"], ev["subject"]
        assert isinstance(ctx, dict) and isinstance(subj, dict)
        assert str(ctx["type"]).startswith("dev.cdevents.service.")
        parse_rfc3339(ctx["timestamp"])
        assert str(subj["content"]["artifactId"]).startswith("pkg:")
        ids[str(ctx["id"])] = str(subj["id"]).removeprefix("service/")
    for fl in _jsonl(bundle / "flags.jsonl"):
        if "_id" in fl:  # LaunchDarkly
            from_epoch_ms(fl["date"])
            assert fl["kind"] == "flag"
            tags = fl["currentVersion"]["tags"]  # type: ignore[index]
            ids[str(fl["_id"])] = next((t[8:] for t in tags if t.startswith("service:")), None)
        else:  # Unleash
            parse_rfc3339(fl["createdAt"])
            tags = [t["value"] for t in fl["tags"]]  # type: ignore[attr-defined]
            ids[str(fl["id"])] = next((t[8:] for t in tags if t.startswith("service:")), None)
    for ch in _jsonl(bundle / "changes.jsonl"):
        parse_rfc3339(ch["at"])
        assert ch["kind"] in ("deploy", "flag", "config", "infra", "scale", "schema", "secret")
        ids[str(ch["id"])] = ch["service"]  # type: ignore[assignment]
    return ids


def test_every_bundle_is_valid_per_the_contract(bundles: list[Path]) -> None:
    assert len(bundles) == 2 * len(SYSTEMS)
    for b in bundles:
        size = sum(p.stat().st_size for p in b.rglob("*") if p.is_file())
        assert size < 1_000_000, f"{b}: {size} bytes"
        inc = json.loads((b / "incident.json").read_text())
        assert set(inc) >= {"id", "title", "severity", "system", "started_at", "symptoms"}
        assert inc["severity"] in ("SEV1", "SEV2", "SEV3", "SEV4")
        topo = TOPOLOGIES[inc["system"]]
        started = parse_rfc3339(inc["started_at"])
        detected = parse_rfc3339(inc["detected_at"])
        assert started.tzinfo is not None and detected > started
        assert inc["resolved_at"] is None or parse_rfc3339(inc["resolved_at"]) > detected
        (symptom,) = inc["symptoms"]
        assert symptom["signal"] in ("latency", "errors")
        assert symptom["service"] in topo.names

        truth = Truth.read(b)
        ids = _change_ids(b)
        assert truth.service in topo.names
        assert truth.service == symptom["service"] or topo.path(symptom["service"], truth.service)
        if truth.kind == "service":
            assert truth.change_id is None
        else:
            assert truth.change_id in ids, f"{b}: truth change not in its file"
            if ids[truth.change_id] is not None:
                assert ids[truth.change_id] == truth.service
            else:  # an untagged flag reaches its service through the catalog annotation
                cat = (b / "topology" / "catalog.yaml").read_text()
                assert "rcagraph.io/feature-flags" in cat
        # several changes at once, most of them benign
        assert len(ids) >= 3

        for path in (b / "alerts").glob("*.json"):
            payload = json.loads(path.read_text())
            assert payload["version"] == "4"
            for alert in payload["alerts"]:
                parse_rfc3339(alert["startsAt"])
                assert alert["labels"]["service"] in topo.names and alert["fingerprint"]
        for path in (b / "logs").glob("*.jsonl"):
            for rec in _jsonl(path):
                if "resourceLogs" in rec:
                    for r in rec["resourceLogs"][0]["scopeLogs"][0]["logRecords"]:  # type: ignore[index]
                        from_epoch_ns(r["timeUnixNano"])
                else:
                    parse_rfc3339(rec["timestamp"])
                    assert rec["service"] == path.stem
        _check_metrics(b, topo.names)
        _check_topology(b, topo.names)


def _check_metrics(b: Path, names: list[str]) -> None:
    csvs = list((b / "metrics").glob("*.csv"))
    jsons = list((b / "metrics").glob("*.json"))
    assert csvs or jsons
    for path in csvs:
        with path.open() as fh:
            rows = list(csv.DictReader(fh))
        # a labels column only where per-pod series of a rolling release are written
        assert rows and set(rows[0]) - {"labels"} == {"timestamp", "service", "metric", "value"}
        for row in rows[:: max(1, len(rows) // 50)]:
            parse_rfc3339_or_epoch_s(row["timestamp"])
            assert row["service"] in names
            float(row["value"])
    for path in jsons:
        ans = json.loads(path.read_text())
        assert ans["status"] == "success" and ans["data"]["resultType"] == "matrix"
        for series in ans["data"]["result"]:
            labels = series["metric"]
            svc = next(labels[k] for k in ("service", "service_name", "job", "app") if k in labels)
            assert svc in names
            # a pod of a rolling release runs only part of the window
            assert len(series["values"]) >= (5 if "pod" in labels else 100)


def _check_topology(b: Path, names: list[str]) -> None:
    cat, edges = b / "topology" / "catalog.yaml", b / "topology" / "edges.csv"
    assert cat.exists() or edges.exists()
    if cat.exists():
        docs = list(yaml.safe_load_all(cat.read_text()))
        comps = {d["metadata"]["name"] for d in docs if d["kind"] in ("Component", "Resource")}
        assert comps == set(names)
        assert any(d["kind"] == "Group" for d in docs)
        for d in docs:
            for ref in d.get("spec", {}).get("dependsOn", []):
                assert ref.split("/", 1)[1] in names
    if edges.exists():
        with edges.open() as fh:
            for row in csv.DictReader(fh):
                assert row["caller"] in names and row["callee"] in names
                assert int(row["calls"]) > 0


def test_fault_variants_cover_every_kind_and_partial_rollouts() -> None:
    kinds = {v.split("-")[0] for v in FAULT_VARIANTS}
    assert kinds == {"deploy", "flag", "config", "infra", "service"}
    plans = [plan_incident("online-boutique", 5, i) for i in range(len(FAULT_VARIANTS))]
    assert {p.variant for p in plans} == set(FAULT_VARIANTS)
    for p in plans:
        if p.variant.endswith("partial"):
            assert p.change is not None and p.change.share is not None and p.change.share < 0.5


@pytest.mark.parametrize("system", SYSTEMS)
def test_effects_start_on_the_root_and_reach_callers_later_and_weaker(system: str) -> None:
    topo = TOPOLOGIES[system]
    for i in range(6):
        p = plan_incident(system, 1, i)
        root = next(e for e in p.effects if e.service == p.root)
        assert p.started_at <= p.detected_at
        if p.change is not None:
            assert p.change.at < root.start
        strength = max(root.latency_add_ms, root.error_add * 1000)
        for e in p.effects:
            if e.service in (p.root, p.loud) or e.service in p.noisy:
                continue
            # a caller of the root, transitively: later, attenuated
            assert topo.path(e.service, p.root) is not None
            assert (e.start - root.start).total_seconds() >= 60
            assert max(e.latency_add_ms, e.error_add * 1000) < strength + 1e-9
        # the loud unrelated anomaly, if any, is off every dependency path of the symptom
        if p.loud is not None:
            assert p.loud != p.symptom and topo.path(p.symptom, p.loud) is None


def test_distractions_are_present() -> None:
    plans = [plan_incident(s, 2, i) for s in SYSTEMS for i in range(5)]
    assert all(len([c for c in p.changes if not c.culprit]) >= 2 for p in plans)
    # a benign deploy lands closer to the onset than the culprit in most incidents
    closer = [
        p
        for p in plans
        if p.change is not None
        and any(
            c.kind == "deploy" and not c.culprit and p.change.at < c.at <= p.started_at
            for c in p.changes
        )
    ]
    assert len(closer) >= len([p for p in plans if p.change is not None]) * 0.6
    assert all(p.noisy for p in plans)
    assert any(p.loud for p in plans)
    assert any(p.no_metrics for p in plans)
    assert any(abs(v) > 5 for p in plans for v in p.skew_s.values())
