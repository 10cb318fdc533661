"""The post-mortem workflow: every post-mortem service over one graph, wired once.

:class:`Workflow` is what the core object (:attr:`rcagraph.core.RcaGraph.workflow`), and
through it the API and the CLI, use.
"""

from __future__ import annotations

from dataclasses import dataclass

from rcagraph.graph import Graph
from rcagraph.postmortem.actions import ActionService
from rcagraph.postmortem.audit import AuditTrail
from rcagraph.postmortem.hypotheses import HypothesisService
from rcagraph.postmortem.incidents import IncidentService
from rcagraph.postmortem.kpis import KpiService
from rcagraph.postmortem.policy import SeverityPolicy
from rcagraph.postmortem.postmortems import PostMortemService
from rcagraph.postmortem.tokens import TokenStore
from rcagraph.postmortem.verify import Verifier


@dataclass(slots=True)
class Workflow:
    audit: AuditTrail
    tokens: TokenStore
    incidents: IncidentService
    hypotheses: HypothesisService
    postmortems: PostMortemService
    actions: ActionService
    verifier: Verifier
    kpis: KpiService
    policy: SeverityPolicy

    @classmethod
    def create(cls, graph: Graph, policy: SeverityPolicy | None = None) -> Workflow:
        policy = policy or SeverityPolicy()
        audit = AuditTrail(graph)
        incidents = IncidentService(graph, audit)
        hypotheses = HypothesisService(graph, incidents, audit)
        postmortems = PostMortemService(graph, incidents, hypotheses, audit, policy)
        actions = ActionService(graph, postmortems, audit)
        return cls(
            audit=audit,
            tokens=TokenStore(graph),
            incidents=incidents,
            hypotheses=hypotheses,
            postmortems=postmortems,
            actions=actions,
            verifier=Verifier(graph, postmortems, actions, audit),
            kpis=KpiService(graph),
            policy=policy,
        )
