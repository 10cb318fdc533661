"""The accuracy bench's reporting on hand-made rankings (no server, no loading)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from bench.accuracy_report import Case, report_markdown, target_lines

from rcagraph.engine.base import Truth
from rcagraph.engine.result import Candidate, Ranking
from rcagraph.engine.service import Evaluated, evaluate
from rcagraph.engine.view import IncidentInfo, IncidentView, Symptom

T = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _ranking(name: str, inc: str, ids: list[str], conf: float) -> Ranking:
    cands = [
        Candidate(kind="deploy", service=f"s-{i}", change_id=i, score=1.0, confidence=conf)
        for i in ids
    ]
    return Ranking(inc, f"bundle:{inc}", name, False, cands, {"rank": 100.0})


def _case(inc: str, system: str) -> Case:
    view = IncidentView(
        scope=f"bundle:{inc}",
        incident=IncidentInfo(inc, "t", "SEV2", system, T, T, (Symptom("fe", "latency"),)),
        window_start=T,
        window_end=T,
    )
    truth = Truth("deploy", "s-a", "a")
    return Case(Path(inc), inc, f"bundle:{inc}", system, "deploy", truth, view, 10.0, 5.0)


def test_report_has_every_table_and_honest_targets() -> None:
    truth = Truth("deploy", "s-a", "a")
    results = {
        "learned": [
            Evaluated(_ranking("learned", "I1", ["a", "b"], 0.9), truth, "sys-1"),
            Evaluated(_ranking("learned", "I2", ["b", "a"], 0.9), truth, "sys-2"),
        ],
        "baseline-baro": [
            Evaluated(_ranking("baseline-baro", "I1", ["b", "a"], 0.5), truth, "sys-1"),
            Evaluated(_ranking("baseline-baro", "I2", ["b", "c"], 0.5), truth, "sys-2"),
        ],
    }
    args = argparse.Namespace(seed=7, per_system=1)
    md = report_markdown(
        command="python -m bench.accuracy --per-system 1",
        args=args,
        test_cases=[_case("I1", "sys-1"), _case("I2", "sys-2")],
        train_cases=[],
        results=results,
        notes=["a note"],
        failures=[],
        extra=[],
    )
    assert md.startswith("## Ranking accuracy\n")
    assert "`python -m bench.accuracy --per-system 1`" in md
    # learned: AC@1 = 0.5, AC@3 = 1.0, MRR = 0.75; calibration: 2 confident, 1 right
    assert "| learned | 2 | 0.50 | 1.00 | 0.90 | 0.75 |" in md
    assert "| 2, 0.50 |" in md
    assert "| sys-1 | 1 |" in md and "| deploy | 2 |" in md
    assert "target 0.90 missed by 0.40" in md
    assert "- a note" in md

    reports = {k: evaluate(v) for k, v in results.items()}
    lines = target_lines(reports, "learned")
    assert any("sys-2" in line and "missed by 0.80" in line for line in lines)
    assert lines[-1].endswith("no — sys-2: baseline-baro 0.00 ≥ 0.00.")
