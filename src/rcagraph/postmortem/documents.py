"""A post-mortem as stored: its versions, its current state and a diff between two versions.

Every edit creates a new immutable PostMortemVersion (number, author, canonical JSON content,
sha256 digest, PREVIOUS link to the version it was based on); :class:`PostMortem` is the
current version with its status and approvals. The service that reads and changes them is
:class:`rcagraph.postmortem.postmortems.PostMortemService`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rcagraph.postmortem.blameless import Finding
from rcagraph.postmortem.common import jsonable

STATUSES: tuple[str, ...] = ("draft", "in_review", "approved", "published")
#: top-level fields of the document an editor may replace
EDITABLE: frozenset[str] = frozenset(
    {
        "summary",
        "timeline",
        "impact",
        "hypotheses",
        "contributing_factors",
        "actions",
        "lessons",
        "notes",
    }
)


def digest_of(content_json: str) -> str:
    return hashlib.sha256(content_json.encode()).hexdigest()


@dataclass(slots=True)
class Version:
    number: int
    author: str
    created_at: datetime
    digest: str
    note: str | None
    previous: int | None
    content: dict[str, Any] | None = None
    #: the author's token id (None for versions written before ids)
    author_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "number": self.number,
            "author": self.author,
            "created_at": jsonable(self.created_at),
            "digest": self.digest,
            "note": self.note,
            "previous": self.previous,
        }
        if self.content is not None:
            out["content"] = self.content
        return out


@dataclass(slots=True)
class PostMortem:
    uid: str
    id: str
    scope: str
    incident_id: str
    incident_uid: str
    severity: str | None
    status: str
    current_version: int
    created_at: datetime
    updated_at: datetime
    content: dict[str, Any]
    digest: str
    approvals: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scope": self.scope,
            "incident_id": self.incident_id,
            "severity": self.severity,
            "status": self.status,
            "current_version": self.current_version,
            "created_at": jsonable(self.created_at),
            "updated_at": jsonable(self.updated_at),
            "digest": self.digest,
            "approvals": jsonable(self.approvals),
            "content": self.content,
            "blameless_findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class Diff:
    a: int
    b: int
    markdown: str
    fields: list[dict[str, Any]]
