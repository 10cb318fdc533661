"""Kubernetes objects as kubectl and an event exporter give them: events as signals or rollout
steps with their counts and times, ReplicaSets as revisions, pods' restarts and OOM kills, and
the component each belongs to (no server)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rcagraph.loaders.kubernetes import component_candidates, image_tag, parse_event
from rcagraph.loaders.kubernetes.documents import read_objects
from rcagraph.loaders.kubernetes.events import (
    CRASH_LOOP,
    IMAGE_PULL,
    PROBES,
    SCHEDULING,
    EventSignal,
    RolloutStep,
)
from rcagraph.loaders.kubernetes.objects import OwnerReference
from rcagraph.loaders.kubernetes.pods import parse_pod, pod_signals
from rcagraph.loaders.kubernetes.workloads import link_revisions, parse_workload, rollout_of
from rcagraph.loaders.records import RecordError, RecordSkipped, Where
from tests.unit.loaders import k8s_shapes as k


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def test_a_backoff_event_is_a_crash_loop_signal_with_its_count_and_span() -> None:
    s = parse_event(k.OOM_BACKOFF)
    assert isinstance(s, EventSignal)
    assert s.kind is CRASH_LOOP
    assert (s.count, s.at, s.end_at) == (7, _t("2026-03-01T11:52:10Z"), _t("2026-03-01T11:58:40Z"))
    assert s.candidates == ["checkout", k.NEW_POD]  # the Deployment from the pod's name
    assert s.key == k.OOM_BACKOFF["metadata"]["uid"]
    assert "×7" in s.summary and "Pod/shop/" + k.NEW_POD in s.summary


def test_a_backoff_pulling_an_image_is_an_image_pull_failure() -> None:
    ev = copy.deepcopy(k.OOM_BACKOFF)
    ev["message"] = 'Back-off pulling image "registry.example/shop/checkout:1.5.0"'
    s = parse_event(ev)
    assert isinstance(s, EventSignal) and s.kind is IMAGE_PULL


def test_events_k8s_io_v1_series_gives_count_and_last_observed_time() -> None:
    s = parse_event(k.SCHEDULING_V1)
    assert isinstance(s, EventSignal)
    assert s.kind is SCHEDULING
    assert s.count == 5
    assert s.at == _t("2026-03-01T11:53:00.412907Z")
    assert s.end_at == _t("2026-03-01T11:59:02.118310Z")
    assert s.message.startswith("0/3 nodes are available")


def test_scaling_replicaset_is_a_rollout_step() -> None:
    up = parse_event(k.SCALED_UP)
    down = parse_event(k.SCALED_DOWN)
    assert isinstance(up, RolloutStep) and isinstance(down, RolloutStep)
    assert (up.replicaset, up.direction, up.replicas, up.from_replicas) == (k.NEW_RS, "up", 1, None)
    assert (down.replicaset, down.direction, down.replicas, down.from_replicas) == (
        k.OLD_RS,
        "down",
        2,
        3,
    )
    assert down.text == f"2026-03-01T11:50:41Z scaled down {k.OLD_RS} to 2 from 3"
    assert up.candidates[0] == "checkout"


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (k.PULLED, "Normal events of reason 'Pulled' are not used"),
        (k.KILLING_ROLLOUT, "Killing (a container stopped, not after a failed probe) is not used"),
        (k.NODE_PRESSURE, "events on a Node are not used"),
    ],
)
def test_events_that_are_no_signal_are_skipped_with_their_reason(item: object, reason: str) -> None:
    with pytest.raises(RecordSkipped) as exc:
        parse_event(item)
    assert exc.value.reason == reason


def test_a_killing_after_a_failed_liveness_probe_is_a_signal() -> None:
    ev = copy.deepcopy(k.KILLING_ROLLOUT)
    ev["message"] = "Container checkout failed liveness probe, will be restarted"
    s = parse_event(ev)
    assert isinstance(s, EventSignal) and s.kind.metric == "k8s_probe_restarts"


def test_the_exporters_event_uses_the_involved_objects_labels() -> None:
    item = k.exporter_event()
    item["involvedObject"]["labels"] = {"app.kubernetes.io/name": "checkout-api"}
    s = parse_event(item)
    assert isinstance(s, EventSignal) and s.kind is PROBES
    assert s.candidates[:2] == ["checkout-api", "checkout"]
    dedotted = k.exporter_event()
    dedotted["involvedObject"]["labels"] = {"app_kubernetes_io/name": "cart"}
    parsed = parse_event(dedotted)
    assert isinstance(parsed, EventSignal) and parsed.candidates[0] == "cart"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e.pop("involvedObject"), "involvedObject"),
        (lambda e: e.pop("reason"), "reason"),
        (lambda e: e.update(firstTimestamp="2026-03-01T11:52:10"), "firstTimestamp"),
        (lambda e: e.update(count=-1), "count"),
        (
            lambda e: (
                e.update(firstTimestamp=None, lastTimestamp=None)
                or e["metadata"].pop("creationTimestamp")
            ),
            "firstTimestamp",
        ),
        (lambda e: e["metadata"].pop("name"), "metadata.name"),
        (lambda e: e.update(series={"count": "many"}), "series.count"),
    ],
)
def test_a_bad_event_is_rejected_naming_its_field(mutate: object, field: str) -> None:
    ev = copy.deepcopy(k.OOM_BACKOFF)
    mutate(ev)  # type: ignore[operator]
    with pytest.raises(RecordError) as exc:
        parse_event(ev)
    assert exc.value.field == field


def test_a_scaling_message_of_another_form_is_rejected_naming_message() -> None:
    ev = copy.deepcopy(k.SCALED_UP)
    ev["message"] = "Scaled a replica set"
    with pytest.raises(RecordError) as exc:
        parse_event(ev)
    assert exc.value.field == "message"


def test_a_pods_events_take_the_component_pods_json_gives() -> None:
    pods = {(k.NS, k.NEW_POD): ["payments", "checkout"]}
    s = parse_event(k.OOM_BACKOFF, pods)
    assert isinstance(s, EventSignal) and s.candidates[0] == "payments"


def test_replicasets_are_revisions_with_versions_from_the_changed_image() -> None:
    old = rollout_of(Where("w", pointer="/items/1"), parse_workload(k.OLD_REPLICASET))
    new = rollout_of(Where("w", pointer="/items/2"), parse_workload(k.NEW_REPLICASET))
    dep = parse_workload(k.DEPLOYMENT)
    link_revisions([new, old], {(k.NS, "checkout"): dep})
    assert (old.version, old.previous_version, old.action) == ("1.4.1", None, "deployed")
    assert (new.version, new.previous_version, new.action) == ("1.5.0", "1.4.1", "upgraded")
    assert new.at == _t("2026-03-01T11:50:03Z")
    assert new.artifact == "registry.example/shop/checkout:1.5.0"
    assert new.rollout_share == pytest.approx(1 / 3)
    assert old.rollout_share is None
    assert new.change_id == f"kubernetes:shop/{k.NEW_RS}"
    assert new.attributes()["pod_template_hash"] == k.NEW_HASH
    assert new.candidates[0] == "checkout"


def test_a_template_change_without_a_new_image_is_versioned_by_its_hash() -> None:
    same = copy.deepcopy(k.NEW_REPLICASET)
    same["spec"]["template"]["spec"]["containers"][0]["image"] = (
        "registry.example/shop/checkout:1.4.1"
    )
    old = rollout_of(Where("w"), parse_workload(k.OLD_REPLICASET))
    new = rollout_of(Where("w"), parse_workload(same))
    link_revisions([old, new], {})
    assert (new.version, new.previous_version) == (k.NEW_HASH, "1.4.1")
    assert "pod template changed, same images" in new.summary
    assert "same images" not in old.summary


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda r: r["metadata"].pop("creationTimestamp"), "metadata.creationTimestamp"),
        (
            lambda r: r["metadata"]["annotations"].update(
                {"deployment.kubernetes.io/revision": "two"}
            ),
            "metadata.annotations.deployment.kubernetes.io/revision",
        ),
        (
            lambda r: r["metadata"].update(ownerReferences=[], name="standalone"),
            "metadata.ownerReferences",
        ),
        (lambda r: r["spec"].update(replicas=-2), "spec.replicas"),
    ],
)
def test_a_bad_replicaset_is_rejected_naming_its_field(mutate: object, field: str) -> None:
    rs = copy.deepcopy(k.NEW_REPLICASET)
    mutate(rs)  # type: ignore[operator]
    with pytest.raises(RecordError) as exc:
        rollout_of(Where("w"), parse_workload(rs))
    assert exc.value.field == field


def test_an_oom_killed_container_is_an_oom_signal_counting_its_restarts() -> None:
    (s,) = pod_signals(parse_pod(k.OOM_POD))
    assert s.kind.metric == "k8s_oom_kills"
    assert (s.count, s.at, s.reason) == (4, _t("2026-03-01T11:57:48Z"), "OOMKilled")
    assert "exit code 137" in s.message and "CrashLoopBackOff" in s.message
    assert s.candidates == ["checkout", k.NEW_POD]


def test_an_error_exit_is_a_restart_signal_and_a_healthy_pod_is_skipped() -> None:
    pod = copy.deepcopy(k.OOM_POD)
    pod["status"]["containerStatuses"][0]["lastState"]["terminated"]["reason"] = "Error"
    (s,) = pod_signals(parse_pod(pod))
    assert s.kind.metric == "k8s_container_restarts"
    with pytest.raises(RecordSkipped):
        pod_signals(parse_pod(k.HEALTHY_POD))


def test_an_evicted_pod_is_an_eviction_at_its_last_transition() -> None:
    pod = copy.deepcopy(k.HEALTHY_POD)
    pod["status"] = {
        "phase": "Failed",
        "reason": "Evicted",
        "message": "The node was low on resource: memory.",
        "conditions": [{"type": "DisruptionTarget", "lastTransitionTime": "2026-03-01T11:56:00Z"}],
    }
    (s,) = pod_signals(parse_pod(pod))
    assert (s.kind.metric, s.at) == ("k8s_evictions", _t("2026-03-01T11:56:00Z"))


def test_component_candidates_prefer_labels_then_the_deployment() -> None:
    assert component_candidates("Pod", "web-7f6bd89c45-x2k4p") == ["web", "web-7f6bd89c45-x2k4p"]
    assert component_candidates("ReplicaSet", "web-7f6bd89c45") == ["web", "web-7f6bd89c45"]
    labelled = {"backstage.io/kubernetes-id": "storefront", "app": "web"}
    assert component_candidates("Deployment", "web", labelled) == ["storefront", "web"]
    owned = [OwnerReference(kind="StatefulSet", name="db")]
    assert component_candidates("Pod", "db-0", {}, owned) == ["db", "db-0"]


def test_image_tags() -> None:
    assert image_tag("registry.example:5000/shop/checkout:1.5.0") == "1.5.0"
    assert image_tag("shop/checkout@sha256:ab12") == "sha256:ab12"
    assert image_tag("registry.example:5000/shop/checkout") is None


def test_documents_lists_arrays_and_several_documents(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text(json.dumps(k.event_list(k.SCALED_UP, k.UNHEALTHY), indent=2))
    assert [w.ref for w, _ in read_objects(path, "k8s/events.json", "kubernetes")] == [
        "/items/0",
        "/items/1",
    ]
    path.write_text(json.dumps(k.SCALED_UP, indent=2) + "\n" + json.dumps(k.UNHEALTHY, indent=2))
    refs = [w.ref for w, _ in read_objects(path, "k8s/events.json", "kubernetes")]
    assert refs[0] == "line 1" and refs[1].startswith("line ") and refs[1] != "line 1"
    path.write_text(json.dumps(k.SCALED_UP) + "\n{not json\n")
    out = list(read_objects(path, "k8s/events.json", "kubernetes"))
    assert out[0][0].ref == "line 1"
    assert out[1][0].ref == "line 2" and "not valid JSON" in getattr(out[1][1], "reason", "")
