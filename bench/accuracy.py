"""Ranking accuracy: the engine beside the baselines, per real dataset, then on synthetic bundles.

    python -m bench.accuracy [--per-system N] [--train-per-system M] [--seed S]
                             [--bundles DIR] [--petshop] [--nezha DIR] [--write-docs]
                             [--scale] [--only real] [--petshop-split all|train|test]

Real data first: ``--petshop`` (PetShop, read from ``../shared/datasets/petshop``) and
``--nezha DIR`` (the Online Boutique half of Nezha: a checkout or extract of
IntelligentDDS/Nezha, converted by :mod:`bench.datasets.nezha`, or a folder of bundles it
converted). Each real dataset gets its own table, with the baselines and the published anchor
in the same table; ``learned-lodo`` is the learned ranker trained *leave one dataset out*: on
the synthetic training bundles and every other real dataset, never on the one it is scored on
(on the synthetic test bundles: trained on the real datasets only). ``--only real`` skips the
synthetic test bundles.

``--petshop-split`` restricts PetShop to the dataset's train or test issues (default: all, as
the paper reports).

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
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from bench.accuracy_report import (
    BASELINE_NAMES,
    ENGINE,
    SCALE_NOTE,
    SECTION,
    Case,
    by_group,
    cell_of,
    grouped_table,
    petshop_summary,
    petshop_table,
    real_table,
    report_markdown,
    service_cell,
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
from rcagraph.engine.result import Ranking
from rcagraph.engine.scorer import DefaultScorer, ScorerConfig
from rcagraph.engine.service import Evaluated, evaluate
from rcagraph.engine.view import IncidentView
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


class Ranks(Protocol):
    """What the benchmark needs of a ranker: to rank one incident."""

    def rank(self, view: IncidentView) -> Ranking: ...


class HistoryCalibrated:
    """The default scorer with its confidence calibrated on the *same* dataset's other
    incidents, as a deployment calibrates on its own confirmed history (``rcagraph train``
    on verdicts): the incidents sorted by start, split in two halves, each half ranked by a
    scorer calibrated on the other (``fit_priors=False``: calibration only, so the ranking
    order is the untrained scorer's and only the confidence differs)."""

    def __init__(self, cases: Sequence[Case]) -> None:
        order = sorted(cases, key=lambda c: (c.view.incident.started_at, c.incident_id))
        half = len(order) // 2
        folds = (order[:half], order[half:])
        self._by_incident: dict[str, DefaultScorer] = {}
        for i, fold in enumerate(folds):
            other = folds[1 - i]
            scorer = DefaultScorer(ScorerConfig(fit_priors=False)).fit(
                [(c.view, c.truth) for c in other]
            )
            for c in fold:
                self._by_incident[c.incident_id] = scorer

    def rank(self, view: IncidentView) -> Ranking:
        return self._by_incident[view.incident.id].rank(view)


def with_own_history(rankers: Mapping[str, Ranks], cases: Sequence[Case]) -> dict[str, Ranks]:
    """For a real dataset: ``default-calibrated`` calibrated on the dataset's own other half
    (:class:`HistoryCalibrated`) in place of the one calibrated on the synthetic training set."""
    out = {k: v for k, v in rankers.items() if k != "default-calibrated"}
    if len(cases) >= 4:
        out["default-calibrated"] = HistoryCalibrated(cases)
    return out


def run_rankers(
    rankers: Mapping[str, Ranks], cases: Sequence[Case]
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
            rankers["default-calibrated"] = DefaultScorer(ScorerConfig(fit_priors=False)).fit(
                examples
            )
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


#: the published figure Nezha Online Boutique is measured against (service top-1)
NEZHA_ANCHOR = (
    "Nezha (Yu et al., ESEC/FSE 2023), Online Boutique, service level",
    "0.93 top-1",
)


def load_petshop(rca: RcaGraph, split: str = "all") -> tuple[dict[str, list[Case]], list[str]]:
    """The PetShop issues in two modes: ``metrics only`` (no change records: what the dataset's
    own baselines see, the fair comparison) and ``with the change record`` (one change per
    bundle, no distractors: change-level ranking is then easy, so it is reported apart)."""
    notes: list[str] = []
    from bench.datasets import petshop

    out: dict[str, list[Case]] = {}
    for mode, with_changes in (("metrics only", False), ("with the change record", True)):
        try:
            folder = OUT / ("petshop" if with_changes else "petshop-metrics-only")
            bundles: list[Path] = list(petshop.convert(out=folder, with_changes=with_changes))
            if split != "all":
                bundles = [b for b in bundles if f"-{split}-" in b.name]
        except Exception as exc:
            notes.append(f"PetShop ({mode}) not run: {type(exc).__name__}: {exc}")
            continue
        cases, failures = load_cases(rca, bundles, label="petshop", fault_of=_petshop_cell)
        notes += [f"petshop ({mode}) failed: {f}" for f in failures]
        out[mode] = cases
    return out, notes


def petshop_section(
    modes: dict[str, list[Case]], rankers: Mapping[str, Ranks], split: str = "all"
) -> tuple[list[str], list[str]]:
    """The PetShop tables, per scenario and target metric, for each mode of
    :func:`load_petshop`."""
    notes: list[str] = []
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
        "samples of the issue window (judged against the samples before the incident's start, "
        "see `rcagraph.loaders.detect`). X-Ray's inferred nodes (load balancers, external "
        "endpoints, AWS resources) are marked as seen only through their callers.",
        "",
        f"Issues: {split} (the dataset's train/test split; `all` is what the paper reports).",
        "",
    ]
    for mode, cases in modes.items():
        paper = mode == "metrics only"
        results, rfail = run_rankers(with_own_history(rankers, cases), cases)
        notes += rfail
        groups = {
            n: by_group(items, functools.partial(cell_of, {c.incident_id: c.fault for c in cases}))
            for n, items in results.items()
        }
        names = [n for n in (*ENGINE, *BASELINE_NAMES) if results.get(n)]
        reports = {n: evaluate(results[n]) for n in names}
        lines += [
            f"#### {mode}",
            "",
            f"{len(cases)} issues. Here the {view_stats(cases)}.",
            "",
            *real_table(reports, ()),
            "",
            *petshop_table(groups, names, paper=paper),
            "",
            *petshop_summary(results, groups, names, paper=paper),
        ]
        if cases and all(not c.view.signals for c in cases):
            lines += [
                "Caveat: no signal (metric anomaly, log event, alert) reached any PetShop view "
                f"in this mode ({mode}).",
                "",
            ]
    return lines, notes


def nezha_bundles(source: Path) -> list[Path]:
    """Bundles of the Nezha Online Boutique cases: converted from a checkout of the dataset
    (a folder with ``rca_data/``) into ``bench/out/nezha``, or a folder of converted bundles."""
    from bench.datasets import nezha

    if (source / "rca_data").is_dir():
        return list(nezha.convert(source, OUT / "nezha"))
    return sorted(p.parent for p in source.glob("*/incident.json"))


def _nezha_fault(bundle: Path) -> str:
    data = json.loads((bundle / "truth.json").read_text(encoding="utf-8"))
    return str(data.get("fault") or data["root_cause"]["kind"])


def nezha_section(
    cases: Sequence[Case], rankers: Mapping[str, Ranks]
) -> tuple[list[str], list[str]]:
    """The Nezha Online Boutique table (service level, with the paper's figure) and the same
    per fault type."""
    results, notes = run_rankers(with_own_history(rankers, cases), cases)
    names = [n for n in (*ENGINE, *BASELINE_NAMES) if results.get(n)]
    reports = {n: evaluate(results[n]) for n in names}
    faults = {c.incident_id: c.fault for c in cases}
    groups = {n: by_group(results[n], functools.partial(cell_of, faults)) for n in names}
    lines = [
        "### Nezha, Online Boutique (real data)",
        "",
        'The Online Boutique half of the Nezha dataset (Yu et al., "Nezha: Interpretable '
        "Fine-Grained Root Causes Analysis for Microservices on Multi-Modal Observability "
        'Data", ESEC/FSE 2023; IntelligentDDS/Nezha, MIT licence), converted to bundles by '
        "`bench/datasets/nezha.py` (per-pod and node metrics, the entry service's SLO, call "
        "latencies, OTLP traces; logs only where the public copy has them). The symptom is "
        "always the entry service; truth is the service of the injected pod. Its Train Ticket "
        "half is kept for a blind check and not converted.",
        "",
        f"{len(cases)} fault cases. Here the {view_stats(cases)}.",
        "",
        *real_table(reports, [NEZHA_ANCHOR]),
        "",
        "Per fault type (service AC@1 / AC@3 / MRR):",
        "",
        *grouped_table("fault", groups, names, service_cell),
        "",
    ]
    return lines, notes


def lodo_rankers(
    synthetic: Sequence[Case], real: dict[str, Sequence[Case]]
) -> tuple[dict[str, Ranker], list[str]]:
    """Per dataset, the learned ranker trained without it: on the synthetic training bundles
    and the other real datasets (for ``synthetic``: on the real datasets only)."""
    out: dict[str, Ranker] = {}
    notes: list[str] = []
    for name in (*real, "synthetic"):
        sources = [(k, v) for k, v in (*real.items(), ("synthetic", synthetic)) if k != name]
        examples = [(c.view, c.truth) for _, cases in sources for c in cases]
        if len(examples) < 3:
            notes.append(f"learned-lodo for {name} not run: {len(examples)} training incidents")
            continue
        out[name] = LearnedRanker().fit(examples)
        notes.append(
            f"learned-lodo for {name}: trained on {len(examples)} incidents ("
            + ", ".join(f"{k} {len(v)}" for k, v in sources)
            + ")"
        )
    return out, notes


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
        "--nezha", type=Path, help="the Nezha dataset (a checkout) or its converted bundles"
    )
    parser.add_argument(
        "--only", choices=("real",), help="run only the real datasets (the synthetic ones train)"
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

    if args.only == "real":
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

    real_lines: list[str] = []
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
        petshop_modes: dict[str, list[Case]] = {}
        if args.petshop:
            petshop_modes, pnotes = load_petshop(rca, args.petshop_split)
            notes += pnotes
        nezha_cases: list[Case] = []
        if args.nezha:
            nezha_cases, nfail = load_cases(
                rca, nezha_bundles(args.nezha), label="nezha", fault_of=_nezha_fault
            )
            notes += [f"nezha failed: {f}" for f in nfail]
        real: dict[str, Sequence[Case]] = {}
        if petshop_modes.get("metrics only"):
            real["petshop"] = petshop_modes["metrics only"]
        if nezha_cases:
            real["nezha"] = nezha_cases
        rankers, rnotes = build_rankers(train_cases)
        notes += rnotes
        lodo, lnotes = lodo_rankers(train_cases, real)
        notes += lnotes

        def with_lodo(name: str) -> dict[str, Ranks]:
            return {**rankers, **({"learned-lodo": lodo[name]} if name in lodo else {})}

        if petshop_modes:
            lines, pnotes = petshop_section(petshop_modes, with_lodo("petshop"), args.petshop_split)
            real_lines += lines
            notes += pnotes
        if nezha_cases:
            lines, nnotes = nezha_section(nezha_cases, with_lodo("nezha"))
            real_lines += lines
            notes += nnotes
        results, run_fail = run_rankers(with_lodo("synthetic"), test_cases)
        if args.scale:
            extra += ["", *SCALE_NOTE]
        if not args.keep:
            for c in (*train_cases, *test_cases, *nezha_cases):
                rca.delete_scope(c.scope)
            for cases in petshop_modes.values():
                for c in cases:
                    rca.delete_scope(c.scope)

    if args.only == "real":
        md = "\n".join([*real_lines, "### Notes", "", *(f"- {n}" for n in notes)]) + "\n"
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
        real=real_lines,
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
