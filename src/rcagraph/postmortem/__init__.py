"""The post-mortem workflow: incidents, hypotheses and verdicts, versioned post-mortems with
review gates, remediation actions and their verification, KPIs, audit trail and API tokens.

Domain logic only (no web framework); the API and the CLI call :class:`Workflow` (through the
core object, :attr:`rcagraph.core.RcaGraph.workflow`).
"""

from rcagraph.postmortem.workflow import Workflow

__all__ = ["Workflow"]
