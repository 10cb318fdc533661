"""Today's engine on the Nezha Online Boutique bundles: service-level AC@1 / AC@3 per ranker.

    python -m bench.nezha_eval BUNDLES [--train-per-system M] [--limit N] [--keep]

``BUNDLES`` is the output directory of ``python -m bench.datasets.nezha SRC BUNDLES``. Each
bundle is loaded into its own scope of the Neo4j that the ``RCAGRAPH_*`` settings name (e.g.
``RCAGRAPH_SERVER_NAME=nezha``), its view extracted, and every ranker runs on the same view, as
:mod:`bench.accuracy` does: the default scorer (untrained) and the baselines of
:mod:`rcagraph.engine.baselines` (BARO-style, PageRank, the PetShop traversal). With
``--train-per-system M`` (> 0) the default scorer fitted on, and the learned ranker trained on,
``M`` synthetic training bundles per system join them (trained without any Nezha case).

Printed (markdown): service AC@1 / AC@3 / MRR overall and per fault type (truth.json's
``fault``), per case the truth and each ranker's rank of it, and what the root component showed
(the metric families of its anomalies from 1 minute before to 5 minutes after the injection)
beside how many other components showed anomalies in the same minutes. Raw figures go to
``bench/out/nezha-eval.json``. A temporary home: this is to be folded into ``bench.accuracy``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.accuracy import OUT, Case, build_rankers, load_cases, run_rankers

if TYPE_CHECKING:
    from rcagraph.engine.base import Ranker
    from rcagraph.engine.service import Evaluated

RESULT = OUT / "nezha-eval.json"
NEAR_BEFORE = timedelta(minutes=1)
NEAR_AFTER = timedelta(minutes=5)
FAMILIES = (
    ("cpu", ("cpu",)),
    ("memory", ("memory",)),
    ("latency", ("latency",)),
    ("traffic", ("requests_per_second", "network", "syscall")),
    ("success", ("success",)),
)


def _f(v: float) -> str:
    return f"{v:.2f}"


def fault_of(bundle: Path) -> str:
    truth = json.loads((bundle / "truth.json").read_text(encoding="utf-8"))
    return str(truth.get("fault") or truth["root_cause"]["kind"])


def family(metric: str | None) -> str:
    m = (metric or "").lower()
    if m.startswith(("rpc.", "call_latency")):
        return "call edge"
    if m.startswith("node_"):
        return "node"
    for name, keys in FAMILIES:
        if any(k in m for k in keys):
            return name
    return "other"


def rank_of(e: Evaluated) -> int | None:
    for i, c in enumerate(e.ranking.candidates, start=1):
        if e.truth.service_hit(c):
            return i
    return None


def score(items: Sequence[Evaluated]) -> dict[str, float | int]:
    ranks = [rank_of(e) for e in items]
    n = len(ranks)
    if n == 0:
        return {"n": 0, "ac1": 0.0, "ac3": 0.0, "mrr": 0.0}
    return {
        "n": n,
        "ac1": sum(1 for r in ranks if r is not None and r <= 1) / n,
        "ac3": sum(1 for r in ranks if r is not None and r <= 3) / n,
        "mrr": sum(1.0 / r for r in ranks if r is not None) / n,
    }


def _cell(s: dict[str, float | int]) -> str:
    return f"{_f(float(s['ac1']))} / {_f(float(s['ac3']))} / {_f(float(s['mrr']))}"


def root_signals(case: Case) -> dict[str, Any]:
    """The root's anomaly families near the injection, and the other components with any."""
    onset = case.view.incident.started_at
    lo, hi = onset - NEAR_BEFORE, onset + NEAR_AFTER
    root = case.truth.service
    near = [s for s in case.view.signals if lo <= s.at <= hi]
    fams = sorted({family(s.metric) for s in near if s.service == root})
    others = sorted({s.service for s in near if s.service != root})
    return {"root_families": fams, "other_components": others}


def report(
    cases: Sequence[Case], results: dict[str, list[Evaluated]], names: Sequence[str]
) -> list[str]:
    fault = {c.incident_id: c.fault for c in cases}
    lines = [
        "| ranker | n | service AC@1 / AC@3 / MRR |",
        "| --- | ---: | --- |",
    ]
    for name in names:
        s = score(results[name])
        lines.append(f"| {name} | {s['n']} | {_cell(s)} |")
    kinds = sorted(set(fault.values()))
    lines += ["", "| fault | n | " + " | ".join(names) + " |"]
    lines.append("| --- | ---: | " + " | ".join("---" for _ in names) + " |")
    for k in kinds:
        cells = [
            _cell(score([e for e in results[n] if fault[e.ranking.incident] == k])) for n in names
        ]
        n_k = sum(1 for v in fault.values() if v == k)
        lines.append(f"| {k} | {n_k} | " + " | ".join(cells) + " |")
    by_case: dict[str, dict[str, Evaluated]] = defaultdict(dict)
    for name in names:
        for e in results[name]:
            by_case[e.ranking.incident][name] = e
    lines += [
        "",
        "| case | root | fault | " + " | ".join(f"{n} rank" for n in names) + " | default top-3 "
        "| root's anomaly families near onset | other components with anomalies then |",
        "| --- | --- | --- | " + " | ".join("---:" for _ in names) + " | --- | --- | --- |",
    ]
    for c in cases:
        evs = by_case.get(c.incident_id, {})
        ranks = [str(rank_of(evs[n]) or "–") if n in evs else "·" for n in names]
        top = evs.get("default")
        top3 = ", ".join(str(x.service) for x in top.ranking.candidates[:3]) if top else "·"
        sig = root_signals(c)
        lines.append(
            f"| {c.incident_id} | {c.truth.service} | {c.fault} | " + " | ".join(ranks) + f" | "
            f"{top3} | {', '.join(sig['root_families']) or 'none'} | "
            f"{len(sig['other_components'])} |"
        )
    fam: dict[str, Counter[str]] = defaultdict(Counter)
    for c in cases:
        fam[c.fault].update(root_signals(c)["root_families"])
        fam[c.fault]["(cases)"] += 1
    lines += ["", "Root's anomaly families near onset, cases per fault type:", ""]
    for k in kinds:
        n_k = fam[k].pop("(cases)")
        lines.append(f"- {k} ({n_k}): " + ", ".join(f"{f} {v}" for f, v in fam[k].most_common()))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nezha_eval", description=__doc__)
    parser.add_argument("bundles", type=Path)
    parser.add_argument("--train-per-system", type=int, default=0)
    parser.add_argument(
        "--seed", type=int, default=1007, help="of the synthetic training set (bench.accuracy's)"
    )
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the bundle scopes in Neo4j")
    args = parser.parse_args(argv)
    command = "python -m bench.nezha_eval " + shlex.join(argv if argv is not None else sys.argv[1:])
    bundles = sorted(p.parent for p in args.bundles.glob("*/incident.json"))[: args.limit]

    from bench.generator import TOPOLOGIES, generate
    from rcagraph.core import RcaGraph
    from rcagraph.settings import Settings

    train_bundles = (
        generate(OUT / "synthetic" / "train", list(TOPOLOGIES), args.train_per_system, args.seed)
        if args.train_per_system > 0
        else []
    )
    with RcaGraph.open(Settings()) as rca:
        rca.apply_schema()
        train, train_fail = load_cases(rca, train_bundles, label="train", fault_of=fault_of)
        cases, fail = load_cases(rca, bundles, label="nezha", fault_of=fault_of)
        rankers, notes = build_rankers(train)
        rankers.pop("baseline-recent-change", None)  # no change in these bundles
        chosen: dict[str, Ranker] = rankers
        results, run_fail = run_rankers(chosen, cases)
        if not args.keep:
            for c in (*train, *cases):
                rca.delete_scope(c.scope)
    names = list(chosen)
    lines = [f"`{command}` — {len(cases)} bundles", "", *report(cases, results, names)]
    failures = (*train_fail, *fail, *run_fail)
    lines += ["", *(f"- note: {n}" for n in notes), *(f"- failed: {f}" for f in failures)]
    print("\n".join(lines))
    raw = {
        name: [
            {
                "incident": e.ranking.incident,
                "truth": e.truth.service,
                "rank": rank_of(e),
                "top": [c.service for c in e.ranking.candidates[:10]],
                "confidence": e.ranking.candidates[0].confidence if e.ranking.candidates else None,
                "abstained": e.ranking.abstained,
            }
            for e in items
        ]
        for name, items in results.items()
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
