"""The severity policy: remediation due dates and the approvals a post-mortem needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4")


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    """``reviewers`` distinct approvals of the current version; with ``owner_required`` one of
    them must come from the team owning the root-cause service."""

    reviewers: int
    owner_required: bool = False


@dataclass(frozen=True, slots=True)
class SeverityPolicy:
    due_days: dict[str, int] = field(
        default_factory=lambda: {"SEV1": 7, "SEV2": 14, "SEV3": 30, "SEV4": 60}
    )
    approvals: dict[str, ApprovalRule] = field(
        default_factory=lambda: {
            "SEV1": ApprovalRule(2, owner_required=True),
            "SEV2": ApprovalRule(1, owner_required=True),
            "SEV3": ApprovalRule(1),
            "SEV4": ApprovalRule(1),
        }
    )
    #: used for an unknown or missing severity
    default_due_days: int = 30
    default_approval: ApprovalRule = ApprovalRule(1)

    def due_in_days(self, severity: str | None) -> int:
        return self.due_days.get(severity or "", self.default_due_days)

    def approval_rule(self, severity: str | None) -> ApprovalRule:
        return self.approvals.get(severity or "", self.default_approval)


def approval_status(rule: ApprovalRule, approvals: list[dict[str, Any]]) -> dict[str, Any]:
    """How far ``approvals`` (of the current version) are from ``rule``: distinct reviewers are
    counted by token id (by name for approvals recorded before ids)."""
    reviewers = {a.get("reviewer_id") or a["reviewer"] for a in approvals}
    owner_ok = any(a.get("owner") for a in approvals)
    missing: list[str] = []
    if len(reviewers) < rule.reviewers:
        missing.append(f"{rule.reviewers - len(reviewers)} more reviewer(s)")
    if rule.owner_required and not owner_ok:
        missing.append("a reviewer from the team owning the root-cause service")
    return {
        "required_reviewers": rule.reviewers,
        "owner_required": rule.owner_required,
        "approvals": len(reviewers),
        "owner_approved": owner_ok,
        "satisfied": not missing,
        "missing": missing,
    }
