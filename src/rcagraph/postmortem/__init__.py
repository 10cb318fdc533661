"""The post-mortem workflow: incidents, hypotheses and verdicts, versioned post-mortems with
review gates, remediation actions and their verification, KPIs, audit trail and API tokens.

Domain logic only (no web framework); the API and the CLI call :class:`Workflow`.
"""

from rcagraph.postmortem.workflow import Workflow

__all__ = ["Workflow"]
