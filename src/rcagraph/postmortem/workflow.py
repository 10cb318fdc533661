"""The post-mortem workflow: every post-mortem service over one graph, wired once.

:class:`Workflow` is what the core object (:attr:`rcagraph.core.RcaGraph.workflow`), and
through it the API and the CLI, use.
"""

from __future__ import annotations

from dataclasses import dataclass

from rcagraph.graph import Graph
from rcagraph.postmortem.access import Access
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
    access: Access
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
        access = Access(graph)
        incidents = IncidentService(graph, audit, access, policy)
        hypotheses = HypothesisService(graph, incidents, audit, access)
        postmortems = PostMortemService(graph, incidents, hypotheses, audit, policy, access)
        actions = ActionService(graph, postmortems, audit)
        return cls(
            audit=audit,
            access=access,
            tokens=TokenStore(graph, audit),
            incidents=incidents,
            hypotheses=hypotheses,
            postmortems=postmortems,
            actions=actions,
            verifier=Verifier(graph, postmortems, actions, audit),
            kpis=KpiService(graph),
            policy=policy,
        )
