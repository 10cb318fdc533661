"""The seeded graph of the rank-at-scale benchmark (:mod:`bench.rank_scale`): a layered
topology of ``--services`` components, ``--events`` signals and ``--changes`` changes over
30 days, and ``--incidents`` incidents with a planted root-cause change each.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from bench.rank_scale_queries import (
    COUNTS,
    DELETE_BATCH,
    W_ALERT,
    W_ANOMALY,
    W_CALLS,
    W_CHANGE,
    W_DEPENDS,
    W_FLAG,
    W_INCIDENT,
    W_LOG,
    W_RESOURCE,
    W_SERVICE,
    W_USES,
)
from rcagraph.__version__ import __version__
from rcagraph.graph import Graph
from rcagraph.ids import uid
from rcagraph.schema.signals import signal_of

SOURCE = "bench.rank_scale"
T0 = datetime(2025, 3, 1, tzinfo=UTC)
DAYS = 30
LAYERS = 8


@dataclass(slots=True)
class Topology:
    names: list[str]
    kinds: list[str]
    layer: list[int]  # -1 for resources
    calls: list[tuple[int, int, float]] = field(default_factory=list)  # caller, callee, weight
    depends: list[tuple[int, int]] = field(default_factory=list)  # service, resource

    def callers(self) -> list[list[int]]:
        up: list[list[int]] = [[] for _ in self.names]
        for a, b, _ in self.calls:
            up[b].append(a)
        for a, b in self.depends:
            up[b].append(a)
        return up


def build_topology(rng: np.random.Generator, n: int) -> Topology:
    """Layered services calling deeper layers (fan-out 2–6), shared resources at the bottom."""
    n_res = max(4, round(n * 0.08))
    n_svc = n - n_res
    shares = np.array([0.03, 0.07, 0.12, 0.16, 0.18, 0.17, 0.15, 0.12])
    sizes = np.maximum(1, np.round(shares / shares.sum() * n_svc).astype(int))
    sizes[-1] += n_svc - int(sizes.sum())
    names: list[str] = []
    kinds: list[str] = []
    layer: list[int] = []
    by_layer: list[list[int]] = []
    for k, size in enumerate(sizes):
        ids = []
        for j in range(int(size)):
            ids.append(len(names))
            prefix = "gw" if k == 0 else f"svc{k}"
            names.append(f"{prefix}-{j:03d}")
            kinds.append("service")
            layer.append(k)
        by_layer.append(ids)
    res_kinds = ["database"] * (n_res // 2) + ["cache"] * (n_res // 3)
    res_kinds += ["queue"] * (n_res - len(res_kinds))
    resources = []
    for j, kind in enumerate(res_kinds):
        resources.append(len(names))
        names.append(f"{kind[:5]}-{j:03d}")
        kinds.append(kind)
        layer.append(-1)
    topo = Topology(names, kinds, layer)
    # popularity inside a layer: a few shared services are called by many
    pop = [rng.pareto(1.2, len(ids)) + 1 for ids in by_layer]
    res_pop = rng.pareto(1.0, len(resources)) + 1
    for k, ids in enumerate(by_layer):
        for a in ids:
            if k < LAYERS - 1:
                fan = int(rng.integers(2, 7))
                targets: set[int] = set()
                while len(targets) < fan:
                    r = rng.random()
                    tk = k + 1 if r < 0.7 or k + 2 >= LAYERS else int(rng.integers(k + 2, LAYERS))
                    p = pop[tk] / pop[tk].sum()
                    targets.add(by_layer[tk][int(rng.choice(len(p), p=p))])
                for b in sorted(targets):
                    topo.calls.append((a, b, float(rng.integers(1, 500))))
            n_dep = int(rng.integers(1, 3)) if k == LAYERS - 1 else int(rng.random() < 0.4)
            p = res_pop / res_pop.sum()
            for r_ in {int(x) for x in rng.choice(len(resources), size=n_dep, p=p)}:
                topo.depends.append((a, resources[r_]))
    return topo


@dataclass(slots=True)
class Planted:
    incident_id: str
    change_id: str
    kind: str
    root: str
    symptoms: list[str]
    started_at: str


#: (metric, its signal class as the metrics loader stores it on an anomaly)
_METRICS = tuple((m, signal_of(m)) for m in ("latency_p95", "error_ratio", "requests"))
_ALERTS = ("HighLatency", "HighErrorRate", "PodRestarts", "SaturationHigh")


def _at(seconds: float) -> int:
    """Epoch milliseconds (written as ``datetime({epochMillis: …})``: packing Python
    datetimes in the driver costs more than the write itself)."""
    return int(T0.timestamp() * 1000 + seconds * 1000)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


class World:
    """Rows for every node of the scale graph, generated from one seed."""

    def __init__(self, scope: str, seed: int, services: int) -> None:
        self.scope = scope
        self.rng = np.random.default_rng(seed)
        self.topo = build_topology(self.rng, services)
        self.cuid = [uid(scope, "Component", n) for n in self.topo.names]
        self.flag_users: list[list[int]] = []
        self.extra_uses: list[tuple[int, int]] = []

    def components(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        svc: list[dict[str, Any]] = []
        res: list[dict[str, Any]] = []
        for i, (name, kind) in enumerate(zip(self.topo.names, self.topo.kinds, strict=True)):
            row = {
                "uid": self.cuid[i],
                "name": name,
                "kind": kind,
                "owner": f"team-{i % 60:02d}",
                "tier": f"tier{min(3, max(1, self.topo.layer[i]))}",
                "ref": f"component {i}",
            }
            (svc if kind == "service" else res).append(row)
        return svc, res

    def edges(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        calls = [
            {
                "src": self.cuid[a],
                "dst": self.cuid[b],
                "calls": w,
                "error_ratio": round(float(self.rng.random()) * 0.01, 5),
            }
            for a, b, w in self.topo.calls
        ]
        deps = [{"src": self.cuid[a], "dst": self.cuid[b]} for a, b in self.topo.depends]
        return calls, deps

    def flags(self, n_flags: int) -> list[dict[str, Any]]:
        services = [i for i, k in enumerate(self.topo.kinds) if k == "service"]
        self.flag_users = []
        rows = []
        for j in range(n_flags):
            users = sorted(
                {int(x) for x in self.rng.choice(services, int(self.rng.integers(1, 4)))}
            )
            self.flag_users.append(users)
            rows.append(
                {
                    "uid": uid(self.scope, "Flag", f"flag-{j:04d}"),
                    "key": f"flag-{j:04d}",
                    "users": [self.cuid[u] for u in users],
                    "ref": f"flag {j}",
                }
            )
        return rows

    def change_row(
        self, cid: str, kind: str, comp: int, at: float, *, flag: int | None = None
    ) -> dict[str, Any]:
        name = self.topo.names[comp]
        partial = kind == "deploy" and self.rng.random() < 0.1
        return {
            "uid": uid(self.scope, "Change", kind, cid),
            "change_id": cid,
            "kind": kind,
            "at": _at(at),
            "service": name,
            "actor": f"ci-{comp % 7}",
            "summary": f"{kind} of {name}",
            "action": "deployed" if kind == "deploy" else "updated",
            "version": f"1.{int(at) % 997}.{comp}" if kind == "deploy" else None,
            "rollback": kind == "deploy" and self.rng.random() < 0.03,
            "rollout_share": round(float(self.rng.uniform(0.05, 0.5)), 2) if partial else None,
            "first": kind == "deploy",
            "flag_key": f"flag-{flag:04d}" if flag is not None else None,
            "flag_uid": uid(self.scope, "Flag", f"flag-{flag:04d}") if flag is not None else None,
            "cuid": self.cuid[comp],
            "ref": cid,
        }

    def background_changes(self, n: int) -> Iterator[dict[str, Any]]:
        rng = self.rng
        w = rng.lognormal(0.0, 1.0, len(self.topo.names))
        w /= w.sum()
        comps = rng.choice(len(w), size=n, p=w)
        times = rng.uniform(0, DAYS * 86400, size=n)
        kinds = rng.choice(["deploy", "flag", "config", "infra"], size=n, p=[0.6, 0.2, 0.15, 0.05])
        for j in range(n):
            kind = str(kinds[j])
            comp = int(comps[j])
            flag = None
            if kind == "flag":
                flag = int(rng.integers(len(self.flag_users)))
                comp = self.flag_users[flag][0]
            yield self.change_row(f"CH-{j:06d}", kind, comp, float(times[j]), flag=flag)

    def signal_row(self, kind: str, comp: int, at: float, j: str, loud: float) -> dict[str, Any]:
        name = self.topo.names[comp]
        base = {
            "service": name,
            "at": _at(at),
            "cuid": self.cuid[comp],
            "ref": j,
        }
        if kind == "anomaly":
            metric, signal = _METRICS[int(at) % 3]
            return {
                **base,
                "uid": uid(self.scope, "Anomaly", j),
                "metric": metric,
                "signal": signal,
                "direction": "up",
                "magnitude": round(loud, 2),
                "summary": f"{metric} up on {name} (z={loud:.1f})",
            }
        if kind in ("error_burst", "new_template"):
            return {
                **base,
                "uid": uid(self.scope, "LogEvent", j),
                "kind": kind,
                "count": int(loud * 10),
                "rate": round(loud * 3, 1),
                "ratio": round(loud, 2),
            }
        return {
            **base,
            "uid": uid(self.scope, "Alert", j),
            "fingerprint": j,
            "name": _ALERTS[int(at) % len(_ALERTS)],
            "severity": "warning" if loud < 6 else "critical",
        }

    def background_signals(self, n: int) -> Iterator[tuple[str, dict[str, Any]]]:
        """Noise: how loud a component is follows a log-normal law."""
        rng = self.rng
        w = rng.lognormal(0.0, 1.3, len(self.topo.names))
        w /= w.sum()
        step = 100_000
        for lo in range(0, n, step):
            m = min(step, n - lo)
            comps = rng.choice(len(w), size=m, p=w)
            times = rng.uniform(0, DAYS * 86400, size=m)
            kinds = rng.choice(
                ["anomaly", "error_burst", "new_template", "alert"],
                size=m,
                p=[0.5, 0.25, 0.05, 0.2],
            )
            mags = rng.uniform(3.0, 8.0, size=m)
            for j in range(m):
                kind = str(kinds[j])
                label = "alert" if kind == "alert" else ("log" if kind != "anomaly" else kind)
                yield (
                    label,
                    self.signal_row(
                        kind, int(comps[j]), float(times[j]), f"BG-{lo + j:07d}", float(mags[j])
                    ),
                )

    def incidents(
        self, n: int
    ) -> tuple[list[Planted], list[dict[str, Any]], list[tuple[str, dict[str, Any]]]]:
        """Planted incidents: (truth, incident rows, change + signal rows)."""
        rng = self.rng
        up = self.topo.callers()
        truths: list[Planted] = []
        inc_rows: list[dict[str, Any]] = []
        rows: list[tuple[str, dict[str, Any]]] = []
        # roots: components deep enough to have callers two hops up
        roots = [i for i in range(len(up)) if up[i] and any(up[c] for c in up[i])]
        spacing = (DAYS - 2) * 86400 / n
        for k in range(n):
            t_change = 86400 + k * spacing + float(rng.uniform(0, spacing / 2))
            root = int(rng.choice(roots))
            kind = str(rng.choice(["deploy", "flag", "config"], p=[0.5, 0.25, 0.25]))
            flag = None
            if kind == "flag":  # a flag evaluated by the root
                flag = int(rng.integers(len(self.flag_users)))
            cid = f"INC-CH-{k:04d}"
            change = self.change_row(cid, kind, root, t_change, flag=flag)
            rows.append(("change:" + kind, change))
            # the root turns anomalous 1–6 min after the change, loudly
            onset: dict[int, float] = {root: t_change + float(rng.uniform(60, 360))}
            frontier = [root]
            for _hop in range(1, 4):  # callers follow, hop by hop, with delays
                nxt = []
                for c in frontier:
                    callers = up[c]
                    pick = rng.permutation(callers)[: max(1, min(3, len(callers)))]
                    for a in (int(x) for x in pick):
                        if a not in onset:
                            onset[a] = onset[c] + float(rng.uniform(30, 180))
                            nxt.append(a)
                if not nxt:
                    break
                frontier = nxt
                if len(onset) > 25:
                    break
            symptoms = sorted(frontier, key=lambda a: onset[a])[:3]
            for j, (c, t) in enumerate(sorted(onset.items(), key=lambda x: x[1])):
                mag = float(rng.uniform(8, 15)) if c == root else float(rng.uniform(4, 9))
                tag = f"INC-{k:04d}-{j:02d}"
                rows.append(("anomaly", self.signal_row("anomaly", c, t, tag + "a", mag)))
                if c == root:
                    rows.append(("log", self.signal_row("error_burst", c, t + 20, tag + "l", mag)))
                    if kind == "deploy":
                        rows.append(
                            ("log", self.signal_row("new_template", c, t + 10, tag + "n", mag))
                        )
                if c in symptoms:
                    rows.append(("alert", self.signal_row("alert", c, t + 60, tag + "x", mag)))
            started = min(onset[s] for s in symptoms)
            inc_id = f"SCALE-{k:04d}"
            inc_rows.append(
                {
                    "uid": uid(self.scope, "Incident", inc_id),
                    "id": inc_id,
                    "title": f"{self.topo.names[symptoms[0]]} degraded",
                    "started_at": _at(started),
                    "detected_at": _at(started + 180),
                    "symptoms": [
                        {"cuid": self.cuid[s], "signal": "latency", "metric": "latency_p95"}
                        for s in symptoms
                    ],
                    "ref": inc_id,
                }
            )
            truths.append(
                Planted(
                    inc_id,
                    cid,
                    kind,
                    self.topo.names[root],
                    [self.topo.names[s] for s in symptoms],
                    _iso(_at(started)),
                )
            )
            # a flag change reaches the root through USES_FLAG (the flag's own users too)
            if flag is not None:
                self.extra_uses.append((root, flag))
        return truths, inc_rows, rows


def log(msg: str) -> None:
    print(f"[rank_scale {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _batched(
    rows: Iterator[tuple[str, dict[str, Any]]], size: int
) -> Iterator[dict[str, list[dict[str, Any]]]]:
    buf: dict[str, list[dict[str, Any]]] = {}
    count = 0
    for key, row in rows:
        buf.setdefault(key, []).append(row)
        count += 1
        if count >= size:
            yield buf
            buf, count = {}, 0
    if buf:
        yield buf


def _write(graph: Graph, key: str, rows: list[dict[str, Any]], extra: dict[str, Any]) -> None:
    if key.startswith("change:"):
        query = W_CHANGE[key.split(":", 1)[1]]
    else:
        query = {"anomaly": W_ANOMALY, "log": W_LOG, "alert": W_ALERT}[key]
    graph.write_batches(query, rows, batch_size=len(rows) or 1, extra=extra)


def clear_scope(graph: Graph, scope: str) -> None:
    while True:
        rows = graph.write(DELETE_BATCH, scope=scope)
        if not rows or not rows[0]["n"]:
            return


def build(graph: Graph, args: argparse.Namespace) -> list[Planted]:
    scope = args.scope
    t0 = time.perf_counter()
    clear_scope(graph, scope)
    log(f"cleared scope {scope!r} in {time.perf_counter() - t0:.1f} s")
    world = World(scope, args.seed, args.services)
    extra = {
        "scope": scope,
        "source": SOURCE,
        "now": datetime.now(UTC),
        "version": __version__,
    }
    svc, res = world.components()
    graph.write_batches(W_SERVICE, svc, batch_size=5000, extra=extra)
    graph.write_batches(W_RESOURCE, res, batch_size=5000, extra=extra)
    calls, deps = world.edges()
    graph.write_batches(W_CALLS, calls, batch_size=10000, extra=extra)
    graph.write_batches(W_DEPENDS, deps, batch_size=10000, extra=extra)
    graph.write_batches(W_FLAG, world.flags(args.services // 3), batch_size=5000, extra=extra)
    log(
        f"topology: {len(svc)} services, {len(res)} resources, {len(calls)} CALLS, "
        f"{len(deps)} DEPENDS_ON"
    )
    truths, inc_rows, planted = world.incidents(args.incidents)
    n_bg_changes = max(0, args.changes - len(truths))
    changes = (("change:" + r["kind"], r) for r in world.background_changes(n_bg_changes))
    for batch in _batched(
        iter([*changes, *(p for p in planted if p[0].startswith("change"))]), args.batch_size
    ):
        for key, rows in batch.items():
            _write(graph, key, rows, extra)
    graph.write_batches(
        W_USES,
        [
            {"cuid": world.cuid[c], "fuid": uid(scope, "Flag", f"flag-{f:04d}")}
            for c, f in world.extra_uses
        ],
        extra=extra,
    )
    log(f"{args.changes} changes written ({time.perf_counter() - t0:.0f} s)")
    planted_signals = [p for p in planted if not p[0].startswith("change")]
    n_bg = max(0, args.events - args.changes - len(planted_signals))
    done = 0
    for batch in _batched(
        iter([*planted_signals]) if n_bg == 0 else _chain(planted_signals, world, n_bg),
        args.batch_size,
    ):
        for key, rows in batch.items():
            _write(graph, key, rows, extra)
            done += len(rows)
        if done % 200_000 < args.batch_size:
            log(f"{done} signals written ({time.perf_counter() - t0:.0f} s)")
    graph.write_batches(W_INCIDENT, inc_rows, batch_size=1000, extra=extra)
    counts = graph.read_one(COUNTS, scope=scope) or {}
    log(
        f"built scope {scope!r}: {counts.get('components')} components, "
        f"{counts.get('events')} events, {len(truths)} incidents "
        f"in {time.perf_counter() - t0:.0f} s"
    )
    return truths


def _chain(
    planted: list[tuple[str, dict[str, Any]]], world: World, n_bg: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from planted
    yield from world.background_signals(n_bg)
