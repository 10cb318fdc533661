"""Ranking accuracy: the engine beside three baselines, on synthetic bundles (and PetShop).

    python -m bench.accuracy [--per-system N] [--train-per-system M] [--seed S]
                             [--bundles DIR] [--petshop] [--write-docs] [--scale]
                             [--only petshop] [--petshop-split all|train|test]

``--only petshop`` skips the synthetic test bundles (the engine's rankers are still trained on
the synthetic training bundles) and prints the PetShop section alone; ``--petshop-split``
restricts PetShop to the dataset's train or test issues (default: all, as the paper reports).

1. Generates ``N`` test bundles per system with seed ``S`` and ``M`` training bundles per system
   with seed ``S + 1000`` (a separate set: the learned ranker never sees a test bundle), under
   ``bench/out/synthetic`` (or reuses the bundles under ``--bundles``).
2. Loads every bundle into its own, emptied scope ``bundle:<incident id>`` of the Neo4j that the
   ``RCAGRAPH_*`` settings name (e.g. ``RCAGRAPH_SERVER_NAME=benchE``), extracts its incident
   view, and runs every ranker on the same view in the same run: the default scorer
   (untrained), the default scorer fitted on the training set (priors + isotonic confidence),
   the learned ranker (trained on the training set), and the three baselines of
   :mod:`rcagraph.engine.baselines`.
3. Reports AC@1, AC@3, Avg@5 and MRR at change and service level (the contract's definitions,
   :func:`rcagraph.engine.service.evaluate`), overall, per system and per fault kind,
   calibration (among top-1 candidates with confidence ≥ 0.8, the share right) and rank
   latency p50/p95 (view extraction + scoring; loading excluded).

Markdown goes to stdout, with ``--write-docs`` also into ``docs/benchmarks.md`` under
"## Ranking accuracy"; the raw figures go to ``bench/out/accuracy.json``. This module loads
and ranks; :mod:`bench.accuracy_report` renders the tables.
"""

from __future__ import annotations

import argparse
import functools
import json
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.accuracy_report import (
    BASELINE_NAMES,
    ENGINE,
    SCALE_NOTE,
    SECTION,
    Case,
    by_group,
    cell_of,
    petshop_summary,
    petshop_table,
    report_markdown,
    view_stats,
)
from rcagraph.core import RcaGraph
from rcagraph.engine.base import Ranker
from rcagraph.engine.baselines import (
    BaroRanker,
    MostRecentChangeRanker,
    PageRankRanker,
    TraversalRanker,
)
from rcagraph.engine.extract import extract_view
from rcagraph.engine.learned import LearnedRanker
from rcagraph.engine.scorer import DefaultScorer
from rcagraph.engine.service import Evaluated
from rcagraph.settings import Settings
from rcagraph.synthetic.incidents import TOPOLOGIES, generate

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
DOC = REPO / "docs" / "benchmarks.md"


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def load_cases(
    rca: RcaGraph, bundles: Sequence[Path], *, label: str, fault_of: Callable[[Path], str]
) -> tuple[list[Case], list[str]]:
    """Load each labelled bundle into its own (fresh) scope and extract its view."""
    cases: list[Case] = []
    failures: list[str] = []
    for i, b in enumerate(bundles, start=1):
        try:
            loaded = rca.load_labelled_bundle(b, fresh=True)
            t0 = time.perf_counter()
            view = extract_view(rca.graph, loaded.incident_id, loaded.scope)
            extract_ms = (time.perf_counter() - t0) * 1000
            rejected = len(loaded.report.rejections)
            cases.append(
                Case(
                    bundle=b,
                    incident_id=loaded.incident_id,
                    scope=loaded.scope,
                    system=loaded.system or "unknown",
                    fault=fault_of(b),
                    truth=loaded.truth,
                    view=view,
                    load_ms=loaded.load_ms,
                    extract_ms=extract_ms,
                    meta={"rejected": rejected},
                )
            )
            _log(
                f"[{label} {i}/{len(bundles)}] {loaded.incident_id}: loaded in "
                f"{loaded.load_ms / 1000:.1f}s, {len(view.changes)} changes, "
                f"{len(view.signals)} signals, {len(view.components)} components, "
                f"{rejected} rejected"
            )
        except Exception as exc:  # report and go on: one bad bundle must not stop the run
            failures.append(f"{b}: {type(exc).__name__}: {exc}")
            _log(f"[{label} {i}/{len(bundles)}] {b}: FAILED {type(exc).__name__}: {exc}")
    return cases, failures


def synthetic_fault(bundle: Path) -> str:
    data = json.loads((bundle / "truth.json").read_text(encoding="utf-8"))
    gen = data.get("generator") or {}
    return str(gen.get("fault") or data["root_cause"]["kind"])


def run_rankers(
    rankers: dict[str, Ranker], cases: Sequence[Case]
) -> tuple[dict[str, list[Evaluated]], list[str]]:
    out: dict[str, list[Evaluated]] = {name: [] for name in rankers}
    failures: list[str] = []
    for case in cases:
        for name, ranker in rankers.items():
            try:
                t0 = time.perf_counter()
                ranking = ranker.rank(case.view)
                score_ms = (time.perf_counter() - t0) * 1000
            except Exception as exc:
                failures.append(f"{name} on {case.incident_id}: {type(exc).__name__}: {exc}")
                continue
            ranking.timings_ms.update(
                {"extract": case.extract_ms, "score": score_ms, "rank": case.extract_ms + score_ms}
            )
            out[name].append(Evaluated(ranking, case.truth, case.system))
    return out, failures


def build_rankers(train: Sequence[Case]) -> tuple[dict[str, Ranker], list[str]]:
    notes: list[str] = []
    rankers: dict[str, Ranker] = {}
    examples = [(c.view, c.truth) for c in train]
    try:
        rankers["default"] = DefaultScorer()
        if examples:
            rankers["default-fitted"] = DefaultScorer().fit(examples)
    except Exception as exc:
        notes.append(f"default scorer unavailable: {type(exc).__name__}: {exc}")
    try:
        if examples:
            t0 = time.perf_counter()
            rankers["learned"] = LearnedRanker().fit(examples)
            notes.append(
                f"learned ranker trained on {len(examples)} training bundles in "
                f"{time.perf_counter() - t0:.1f} s"
            )
        else:
            notes.append("learned ranker not run: no training bundles")
    except Exception as exc:
        notes.append(f"learned ranker unavailable: {type(exc).__name__}: {exc}")
    rankers["baseline-recent-change"] = MostRecentChangeRanker()
    rankers["baseline-baro"] = BaroRanker()
    rankers["baseline-pagerank"] = PageRankRanker()
    rankers["baseline-traversal"] = TraversalRanker()
    return rankers, notes


# -- PetShop -------------------------------------------------------------------------------------


def petshop_section(
    rca: RcaGraph, rankers: dict[str, Ranker], split: str = "all"
) -> tuple[list[str], list[str]]:
    """Convert and rank the PetShop issues, per scenario and target metric, in two modes.

    * metrics only (no change records): what the dataset's own baselines see — metrics and the
      call graph — so this is the fair comparison with them (service-level hits count);
    * with the change record the dataset names: change-level ranking is then easy (one change
      per bundle, no distractors), so it is reported apart.
    """
    notes: list[str] = []
    try:
        from bench.datasets import petshop
    except ImportError as exc:
        return [], [f"PetShop not run: the converter bench/datasets/petshop.py is missing ({exc})"]
    lines = [
        "### PetShop (real data)",
        "",
        "The PetShop dataset (Hardt et al., CLeaR 2024, arXiv 2311.04806; CC-BY-4.0), converted "
        "to bundles by `bench/datasets/petshop.py`; cells are scenario · target metric, each "
        "ranker's cell reads service AC@1 / AC@3 · change AC@1. `baseline-traversal` is the "
        "dataset's own anomaly-traversal baseline re-implemented on our views (our detector's "
        "anomalies instead of its MAD score against normal operation); the last column gives the "
        "paper's own figures for it (service top-1 / top-3 over train and test issues, the two "
        "temporal scenarios pooled; from the dataset repository's evaluation notebook). The "
        "temporal scenarios have no normal-operation data, so their series hold only the 5 "
        "samples of the issue window (judged against their own median).",
        "",
        f"Issues: {split} (the dataset's train/test split; `all` is what the paper reports).",
        "",
    ]
    for mode, with_changes in (("metrics only", False), ("with the change record", True)):
        try:
            out = OUT / ("petshop" if with_changes else "petshop-metrics-only")
            bundles: list[Path] = list(petshop.convert(out=out, with_changes=with_changes))
            if split != "all":
                bundles = [b for b in bundles if f"-{split}-" in b.name]
        except Exception as exc:
            notes.append(f"PetShop ({mode}) not run: {type(exc).__name__}: {exc}")
            continue
        cases, failures = load_cases(rca, bundles, label="petshop", fault_of=_petshop_cell)
        notes += [f"petshop ({mode}) failed: {f}" for f in failures]
        results, rfail = run_rankers(rankers, cases)
        notes += rfail
        groups = {
            n: by_group(items, functools.partial(cell_of, {c.incident_id: c.fault for c in cases}))
            for n, items in results.items()
        }
        names = [n for n in (*ENGINE, *BASELINE_NAMES) if results.get(n)]
        lines += [
            f"#### {mode}",
            "",
            f"{len(cases)} issues. Here the {view_stats(cases)}.",
            "",
            *petshop_table(groups, names, paper=not with_changes),
            "",
            *petshop_summary(results, groups, names, paper=not with_changes),
        ]
        if cases and all(not c.view.signals for c in cases):
            lines += [
                "Caveat: no signal (metric anomaly, log event, alert) reached any PetShop view "
                f"in this mode ({mode}).",
                "",
            ]
    return lines, notes


def _petshop_cell(bundle: Path) -> str:
    """``scenario · target metric`` (the title reads "PetShop SCENARIO SPLIT ISSUE: …")."""
    inc = json.loads((bundle / "incident.json").read_text(encoding="utf-8"))
    words = str(inc.get("title", "")).split()
    scenario = words[1] if len(words) > 1 else bundle.name
    metric = next((s.get("metric") or s.get("signal") for s in inc.get("symptoms", [])), "?")
    return f"{scenario} · {metric}"


# -- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.accuracy", description=__doc__)
    parser.add_argument("--per-system", type=int, default=8)
    parser.add_argument("--train-per-system", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--systems", default=",".join(TOPOLOGIES))
    parser.add_argument("--bundles", type=Path, help="reuse test bundles under DIR")
    parser.add_argument("--petshop", action="store_true")
    parser.add_argument(
        "--only", choices=("petshop",), help="run only this part (implies --petshop)"
    )
    parser.add_argument("--petshop-split", choices=("all", "train", "test"), default="all")
    parser.add_argument(
        "--scale", action="store_true", help="note where the 1,000-service benchmark is"
    )
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the bundle scopes in Neo4j")
    args = parser.parse_args(argv)
    command = "python -m bench.accuracy " + shlex.join(argv if argv is not None else sys.argv[1:])
    systems = [s for s in args.systems.split(",") if s]

    if args.only == "petshop":
        args.petshop = True
        test_bundles = []
    elif args.bundles:
        test_bundles = sorted(p.parent for p in args.bundles.rglob("incident.json"))
    else:
        t0 = time.perf_counter()
        test_bundles = generate(OUT / "synthetic" / "test", systems, args.per_system, args.seed)
        _log(f"generated {len(test_bundles)} test bundles in {time.perf_counter() - t0:.1f} s")
    train_bundles = (
        generate(OUT / "synthetic" / "train", systems, args.train_per_system, args.seed + 1000)
        if args.train_per_system > 0
        else []
    )

    extra: list[str] = []
    notes: list[str] = []
    with RcaGraph.open(Settings()) as rca:
        rca.apply_schema()
        train_cases, train_fail = load_cases(
            rca, train_bundles, label="train", fault_of=synthetic_fault
        )
        test_cases, test_fail = load_cases(
            rca, test_bundles, label="test", fault_of=synthetic_fault
        )
        rankers, rnotes = build_rankers(train_cases)
        notes += rnotes
        results, run_fail = run_rankers(rankers, test_cases)
        if args.petshop:
            lines, pnotes = petshop_section(rca, rankers, args.petshop_split)
            extra += lines
            notes += pnotes
        if args.scale:
            extra += ["", *SCALE_NOTE]
        if not args.keep:
            for c in (*train_cases, *test_cases):
                rca.delete_scope(c.scope)

    if args.only == "petshop":
        md = "\n".join([*extra, "", "### Notes", "", *(f"- {n}" for n in notes)]) + "\n"
        print(md)
        return 0
    md = report_markdown(
        command=command,
        args=args,
        test_cases=test_cases,
        train_cases=train_cases,
        results=results,
        notes=notes,
        failures=[*train_fail, *test_fail, *run_fail],
        extra=extra,
    )
    print(md)
    OUT.mkdir(parents=True, exist_ok=True)
    raw = {
        name: [
            {
                "incident": e.ranking.incident,
                "system": e.system,
                "truth": {
                    "kind": e.truth.kind,
                    "service": e.truth.service,
                    "change_id": e.truth.change_id,
                },
                "top": e.ranking.to_json()["candidates"][:5],
                "abstained": e.ranking.abstained,
                "timings_ms": e.ranking.timings_ms,
            }
            for e in items
        ]
        for name, items in results.items()
    }
    (OUT / "accuracy.json").write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")
    if args.write_docs:
        from bench.docs import replace_section

        DOC.parent.mkdir(parents=True, exist_ok=True)
        replace_section(DOC, md)
        _log(f"wrote {DOC} ({SECTION})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
