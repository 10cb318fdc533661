"""Labelled history in the graph: responders' verdicts → truths → ``rcagraph train --from-graph``.

Five small generated bundles are loaded into their own scopes, ranked by the default scorer and
written back; verdicts are then recorded through the post-mortem hypothesis service, one
pattern per incident:

* A: the true cause confirmed;
* B: the true cause confirmed (in two ranking runs), another candidate refuted;
* C: two candidates refuted, none confirmed → skipped, only refuted;
* D: two unrelated candidates confirmed → skipped, conflicting;
* E: no verdict → skipped, not reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import neo4j
import pytest
from typer.testing import CliRunner

from rcagraph.cli.main import app
from rcagraph.core import RcaGraph
from rcagraph.engine.base import Truth
from rcagraph.engine.learned import LearnedRanker, load_ranker
from rcagraph.engine.verdicts import labelled_incidents
from rcagraph.engine.writeback import Hypothesis
from rcagraph.graph import Query
from rcagraph.postmortem.common import SYSTEM
from rcagraph.settings import Settings
from rcagraph.synthetic.incidents import generate

_WIPE = Query(
    "tests.train_from_graph.wipe",
    "MATCH (n) WHERE NOT n:SchemaMigration "
    "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
)


@dataclass(frozen=True, slots=True)
class Case:
    bundle: Path
    incident_id: str
    scope: str
    truth: Truth


def _is_truth(h: Hypothesis, truth: Truth) -> bool:
    if truth.kind == "service":
        return h.kind == "service" and h.service == truth.service
    return h.change_id == truth.change_id


def _same_cause(a: Truth, b: Truth) -> bool:
    """Equal as the contract scores a change-level hit (kind and change, or kind and service)."""
    if a.kind == "service" or b.kind == "service":
        return a.kind == b.kind and a.service == b.service
    return a.kind == b.kind and a.change_id == b.change_id


@pytest.fixture(scope="module")
def graph_rca(neo4j_driver: neo4j.Driver, test_settings: Settings) -> RcaGraph:
    """The core object on a graph emptied once for this module: loading and ranking the
    bundles is the slow part, so both tests share it (they only read, or write a model)."""
    core = RcaGraph(neo4j_driver, test_settings)
    core.graph.run_autocommit(_WIPE)
    return core


@pytest.fixture(scope="module")
def history(graph_rca: RcaGraph, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    rca = graph_rca
    tmp = tmp_path_factory.mktemp("labelled")
    paths = generate(tmp / "bundles", ["sock-shop"], 3, seed=11)
    paths += generate(tmp / "bundles", ["online-boutique"], 2, seed=11)
    wf = rca.workflow
    cases: dict[str, Case] = {}
    for name, path in zip("ABCDE", paths, strict=True):
        loaded = rca.load_scoped_bundle(path)
        truth = Truth.read(path)
        case = Case(path, loaded.incident_id, loaded.scope, truth)
        cases[name] = case
        rca.write_back(rca.rank(case.incident_id, case.scope))
        hyps = wf.hypotheses.for_incident(case.incident_id, case.scope)
        right = [h for h in hyps if _is_truth(h, truth)]
        wrong = [h for h in hyps if not _is_truth(h, truth)]
        assert right, f"{name}: the truth is not among the written hypotheses"
        assert len(wrong) >= 2, f"{name}: too few other candidates for the test"
        if name == "A":
            wf.hypotheses.set_verdict(SYSTEM, right[0].uid, "confirmed")
        elif name == "B":
            wf.hypotheses.set_verdict(SYSTEM, wrong[0].uid, "refuted")
            wf.hypotheses.set_verdict(SYSTEM, right[0].uid, "confirmed")
            # a second ranking run, judged again: still one truth
            rca.write_back(rca.rank(case.incident_id, case.scope))
            newest = wf.hypotheses.for_incident(case.incident_id, case.scope)
            again = [h for h in newest if _is_truth(h, truth) and h.uid != right[0].uid]
            assert again
            wf.hypotheses.set_verdict(SYSTEM, again[0].uid, "confirmed")
        elif name == "C":
            wf.hypotheses.set_verdict(SYSTEM, wrong[0].uid, "refuted")
            wf.hypotheses.set_verdict(SYSTEM, wrong[1].uid, "refuted")
        elif name == "D":
            # two confirmed candidates that are not one story (the truth and another change,
            # or another component)
            other = next(
                h
                for h in wrong
                if h.change_id is not None or (h.kind == "service" and h.service != truth.service)
            )
            wf.hypotheses.set_verdict(SYSTEM, right[0].uid, "confirmed")
            wf.hypotheses.set_verdict(SYSTEM, other.uid, "confirmed")
    return cases


def test_labelled_incidents_from_verdicts(graph_rca: RcaGraph, history: dict[str, Case]) -> None:
    rca = graph_rca
    got = labelled_incidents(rca.graph)
    by_id = {(li.scope, li.incident_id): li for li in got}
    assert set(by_id) == {(history[n].scope, history[n].incident_id) for n in "AB"}
    for n in "AB":
        case = history[n]
        li = by_id[(case.scope, case.incident_id)]
        assert _same_cause(li.truth, case.truth), (n, li.truth, case.truth)
        assert li.view.incident.id == case.incident_id and li.view.scope == case.scope
        assert li.verdict_by == SYSTEM.name and li.verdict_at is not None
    skipped = {s.incident_id: s.reason for s in got.skipped}
    assert skipped == {
        history["C"].incident_id: "only_refuted",
        history["D"].incident_id: "conflicting",
        history["E"].incident_id: "not_reviewed",
    }
    assert got.skipped_counts() == {"only_refuted": 1, "conflicting": 1, "not_reviewed": 1}
    assert len(got.examples()) == 2

    # one scope only
    a = history["A"]
    only_a = labelled_incidents(rca.graph, scope=a.scope)
    assert [li.incident_id for li in only_a] == [a.incident_id] and not only_a.skipped
    # started since: everything, or nothing
    assert len(labelled_incidents(rca.graph, since=datetime(2000, 1, 1, tzinfo=UTC))) == 2
    later = labelled_incidents(rca.graph, since=datetime(2100, 1, 1, tzinfo=UTC))
    assert len(later) == 0 and not later.skipped
    # excluded pairs (incidents also given as bundles) are left out silently
    excl = labelled_incidents(rca.graph, exclude={(a.scope, a.incident_id)})
    assert [li.incident_id for li in excl] == [history["B"].incident_id]
    assert len(excl.skipped) == 3


def _text(output: str) -> str:
    """CLI output with rich's line wrapping undone."""
    return " ".join(output.split())


@pytest.fixture
def rca(graph_rca: RcaGraph, neo4j_driver: neo4j.Driver, tmp_path: Path) -> RcaGraph:
    """This module's graph, not emptied (it overrides the conftest's ``rca``): ``neo4j_env``
    points the CLI at it, and at ``tmp_path / "data"``, keeping the labelled history the tests
    share."""
    settings = graph_rca.settings.model_copy(update={"data_dir": tmp_path / "data"})
    return RcaGraph(neo4j_driver, settings)


def test_train_from_graph_cli(
    graph_rca: RcaGraph, history: dict[str, Case], neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    rca = graph_rca
    runner = CliRunner()
    out = tmp_path / "model.joblib"

    # usage errors
    assert runner.invoke(app, ["train", "--out", str(out)]).exit_code == 2
    scoped = runner.invoke(app, ["train", str(history["A"].bundle), "--scope", "x", "--out", "m"])
    assert scoped.exit_code == 2
    bad = runner.invoke(app, ["train", "--from-graph", "--since", "2026-01-01", "--out", "m"])
    assert bad.exit_code == 2 and "zone" in _text(bad.output)

    # two labelled incidents in the graph are too few for the learned ranker
    few = runner.invoke(app, ["train", "--from-graph", "--out", str(out)])
    assert few.exit_code == 1, few.output
    text = _text(few.output)
    assert "needs at least 3 labelled incidents, got 2" in text
    assert "from the graph (every scope): 2 labelled incidents" in text
    assert "skipped 3 incidents: 1 conflicting confirmations, 1 no verdict yet, " in text
    assert not out.exists()

    # a bundle and graph incidents mixed: E from its bundle (its truth.json), A and B from the
    # graph; E is also in the graph (unreviewed) but counts once, as the bundle
    res = runner.invoke(
        app,
        [
            "train",
            str(history["E"].bundle),
            "--from-graph",
            "--since",
            "2000-01-01T00:00:00Z",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    text = _text(res.output)
    assert "from bundles: 1 labelled incidents" in text
    assert "started since 2000-01-01T00:00:00+00:00): 2 labelled incidents" in text
    assert "trained learned ranker on 3 incidents" in text
    assert "skipped 2 incidents: 1 conflicting confirmations, 1 only refuted hypotheses" in text
    model = load_ranker(out)
    assert isinstance(model, LearnedRanker) and model.trained_on == 3
    d = history["D"]
    ranking = rca.rank(d.incident_id, d.scope, model)
    assert ranking.ranker == "learned" and ranking.candidates
    assert all(0.0 <= c.confidence <= 1.0 for c in ranking.candidates)

    # the default scorer (priors + calibration) trains on the graph alone, one scope
    out2 = tmp_path / "default.joblib"
    a = history["A"]
    res = runner.invoke(
        app,
        ["train", "--from-graph", "--scope", a.scope, "--ranker", "default", "--out", str(out2)],
    )
    assert res.exit_code == 0, res.output
    assert f"from the graph (scope {a.scope}): 1 labelled incidents" in _text(res.output)
    assert load_ranker(out2).name == "default"
