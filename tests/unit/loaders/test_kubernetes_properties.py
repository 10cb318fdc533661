"""Property tests of the Kubernetes parsers: whatever an event, a ReplicaSet, a pod or a
kubectl file holds, it parses, is skipped or is rejected naming a field, and never crashes
(no server)."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcagraph.loaders.base import Rejection
from rcagraph.loaders.kubernetes import component_candidates, image_tag, parse_event
from rcagraph.loaders.kubernetes.documents import read_objects
from rcagraph.loaders.kubernetes.events import EventSignal, RolloutStep
from rcagraph.loaders.kubernetes.pods import parse_pod, pod_signals
from rcagraph.loaders.kubernetes.workloads import link_revisions, parse_workload, rollout_of
from rcagraph.loaders.records import RecordError, RecordSkipped, Where
from tests.unit.loaders import k8s_shapes as k

PROP = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

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
TIMES = (
    st.sampled_from(
        [
            "2026-03-01T12:00:00Z",
            "2026-03-01T12:00:00.123456Z",
            "2026-03-01T12:00:00",
            "0001-01-01T00:00:00Z",
            None,
        ]
    )
    | anything
)
REASONS = (
    st.sampled_from(
        [
            "BackOff",
            "Unhealthy",
            "Killing",
            "ScalingReplicaSet",
            "OOMKilling",
            "Pulled",
            "Evicted",
            "",
            "FailedScheduling",
        ]
    )
    | anything
)
MESSAGES = (
    st.sampled_from(
        [
            "Scaled up replica set web-7f6bd89c45 to 3",
            "Scaled down replica set web-5d4c7b9f68 to 0 from 1",
            "Back-off pulling image x",
            "Container web failed liveness probe, will be restarted",
            "Scaled up replica set",
        ]
    )
    | anything
)
KINDS = st.sampled_from(["Pod", "Deployment", "ReplicaSet", "Node", "StatefulSet", ""]) | anything


def _mutate(base: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    target: Any = out
    for step in path[:-1]:
        if not isinstance(target, dict) or not isinstance(target.get(step), dict):
            return out
        target = target[step]
    if value == "__absent__":
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return out


EVENT_FIELDS: list[tuple[tuple[str, ...], st.SearchStrategy[Any]]] = [
    (("reason",), REASONS),
    (("message",), MESSAGES),
    (("firstTimestamp",), TIMES),
    (("lastTimestamp",), TIMES),
    (("eventTime",), TIMES),
    (("count",), st.integers(-3, 5) | anything),
    (
        ("series",),
        st.fixed_dictionaries({"count": st.integers(-1, 9) | anything, "lastObservedTime": TIMES})
        | anything,
    ),
    (("involvedObject",), anything),
    (("involvedObject", "kind"), KINDS),
    (
        ("involvedObject", "name"),
        st.sampled_from(["web-7f6bd89c45-x2k4p", "web", "", "a-b-c"]) | anything,
    ),
    (
        ("involvedObject", "labels"),
        st.dictionaries(
            st.sampled_from(["app", "app.kubernetes.io/name", "x"]),
            st.text(max_size=5) | anything,
            max_size=2,
        ),
    ),
    (("metadata",), anything),
    (("metadata", "uid"), anything),
    (("metadata", "name"), anything),
]


@st.composite
def events(draw: st.DrawFn) -> Any:
    base = draw(
        st.sampled_from(
            [
                k.OOM_BACKOFF,
                k.SCALED_UP,
                k.SCALED_DOWN,
                k.SCHEDULING_V1,
                k.exporter_event(),
                k.KILLING_ROLLOUT,
            ]
        )
    )
    for path, values in draw(st.lists(st.sampled_from(EVENT_FIELDS), max_size=4)):
        base = _mutate(base, path, draw(values | st.just("__absent__")))
    return draw(st.just(base) | anything)


@given(events())
@PROP
def test_an_event_parses_skips_or_is_rejected_naming_a_field(item: Any) -> None:
    try:
        got = parse_event(item)
    except RecordSkipped as exc:
        assert exc.reason
        return
    except RecordError as exc:
        assert exc.field
        return
    assert isinstance(got, EventSignal | RolloutStep)
    assert got.candidates and all(got.candidates)
    if isinstance(got, EventSignal):
        assert got.count >= 1 and got.at <= got.end_at and got.summary
    else:
        assert got.direction in ("up", "down") and got.replicas >= 0 and got.text


RS_FIELDS: list[tuple[tuple[str, ...], st.SearchStrategy[Any]]] = [
    (("metadata", "creationTimestamp"), TIMES),
    (
        ("metadata", "annotations"),
        st.dictionaries(
            st.sampled_from(
                ["deployment.kubernetes.io/revision", "deployment.kubernetes.io/revision-history"]
            ),
            st.sampled_from(["1", "2,4", "x", ""]) | anything,
            max_size=2,
        ),
    ),
    (
        ("metadata", "ownerReferences"),
        st.lists(
            st.fixed_dictionaries(
                {"kind": st.sampled_from(["Deployment", "X"]), "name": st.text(max_size=5)}
            ),
            max_size=2,
        )
        | anything,
    ),
    (("metadata", "name"), st.sampled_from(["checkout-7f6bd89c45", "solo", ""]) | anything),
    (
        ("metadata", "labels"),
        st.dictionaries(
            st.sampled_from(["pod-template-hash", "app"]), st.text(max_size=10), max_size=2
        )
        | anything,
    ),
    (("spec", "template"), anything),
    (("spec", "replicas"), st.integers(-2, 5) | anything),
    (("status", "readyReplicas"), st.integers(-2, 5) | anything),
    (("kind",), KINDS),
]


@st.composite
def replicasets(draw: st.DrawFn) -> Any:
    base = draw(st.sampled_from([k.NEW_REPLICASET, k.OLD_REPLICASET]))
    for path, values in draw(st.lists(st.sampled_from(RS_FIELDS), max_size=4)):
        base = _mutate(base, path, draw(values | st.just("__absent__")))
    return draw(st.just(base) | anything)


@given(st.lists(replicasets(), min_size=1, max_size=3))
@PROP
def test_replicasets_become_revisions_or_are_rejected_naming_a_field(items: list[Any]) -> None:
    rollouts = []
    for item in items:
        try:
            rollouts.append(rollout_of(Where("w"), parse_workload(item)))
        except RecordError as exc:
            assert exc.field
    link_revisions(rollouts, {(k.NS, "checkout"): parse_workload(k.DEPLOYMENT)})
    for r in rollouts:
        assert r.change_id.startswith("kubernetes:") and r.candidates and r.summary
        assert r.rollout_share is None or 0.0 <= r.rollout_share <= 1.0


POD_FIELDS: list[tuple[tuple[str, ...], st.SearchStrategy[Any]]] = [
    (
        ("status", "containerStatuses"),
        st.lists(
            st.fixed_dictionaries(
                {
                    "name": st.text(max_size=4),
                    "restartCount": st.integers(-1, 5) | anything,
                    "lastState": anything
                    | st.fixed_dictionaries(
                        {
                            "terminated": st.fixed_dictionaries(
                                {
                                    "reason": st.sampled_from(["OOMKilled", "Error"]) | anything,
                                    "finishedAt": TIMES,
                                    "exitCode": st.integers(-1, 255) | anything,
                                }
                            )
                        }
                    ),
                }
            ),
            max_size=2,
        )
        | anything,
    ),
    (("status", "reason"), st.sampled_from(["Evicted", None]) | anything),
    (
        ("status", "conditions"),
        st.lists(st.fixed_dictionaries({"lastTransitionTime": TIMES}), max_size=2) | anything,
    ),
    (("metadata", "ownerReferences"), anything),
    (("metadata", "name"), anything),
]


@st.composite
def pods(draw: st.DrawFn) -> Any:
    base = draw(st.sampled_from([k.OOM_POD, k.HEALTHY_POD]))
    for path, values in draw(st.lists(st.sampled_from(POD_FIELDS), max_size=3)):
        base = _mutate(base, path, draw(values | st.just("__absent__")))
    return draw(st.just(base) | anything)


@given(pods())
@PROP
def test_a_pod_gives_signals_is_skipped_or_is_rejected_naming_a_field(item: Any) -> None:
    try:
        signals = pod_signals(parse_pod(item))
    except RecordSkipped:
        return
    except RecordError as exc:
        assert exc.field
        return
    assert signals and all(s.count >= 1 and s.candidates for s in signals)


@given(
    st.lists(events() | pods() | replicasets(), max_size=3),
    st.sampled_from(["list", "array", "lines", "docs"]),
    st.booleans(),
)
@PROP
def test_a_kubectl_file_gives_objects_or_rejections_never_a_crash(
    items: list[Any], form: str, cut: bool
) -> None:
    if form == "list":
        text = json.dumps({"kind": "List", "items": items}, indent=2)
    elif form == "array":
        text = json.dumps(items)
    elif form == "lines":
        text = "".join(json.dumps(x) + "\n" for x in items)
    else:
        text = "\n".join(json.dumps(x, indent=2) for x in items)
    if cut:
        text = text[: len(text) // 2]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.json"
        path.write_text(text)
        for where, obj in read_objects(path, "k8s/f.json", "kubernetes"):
            assert where.file == "k8s/f.json"
            if isinstance(obj, Rejection):
                assert obj.field == "$" and obj.reason


@given(
    st.text(max_size=40),
    st.sampled_from(["Pod", "ReplicaSet", "Deployment", "Job"]),
    st.dictionaries(
        st.sampled_from(["app", "pod-template-hash", "app.kubernetes.io/name"]),
        st.text(max_size=12),
        max_size=3,
    ),
)
@PROP
def test_component_candidates_and_image_tags_never_crash(
    name: str, kind: str, labels: dict[str, str]
) -> None:
    got = component_candidates(kind, name, labels)
    assert len(got) == len(set(got))
    assert (not name) or name in got
    tag = image_tag(name)
    assert tag is None or tag in name
