"""Post-mortems as versioned, reviewed documents: :class:`PostMortemService`.

Every edit creates a new immutable PostMortemVersion (number, author, canonical JSON content,
sha256 digest, PREVIOUS link to the version it was based on). Status moves
draft → in_review → approved → published; the approvals needed depend on severity
(:class:`SeverityPolicy`); an author cannot approve their own version; an edit after approval
returns the post-mortem to review (approvals count for one version only); published is
read-only. An edit names the version it was based on; a stale base is a ConflictError. The
records it returns are in :mod:`rcagraph.postmortem.documents`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

import rcagraph.postmortem.queries as q
from rcagraph.errors import (
    ConflictError,
    GraphConstraintError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    WorkflowError,
)
from rcagraph.graph import Graph
from rcagraph.ids import uid
from rcagraph.postmortem.audit import AuditTrail
from rcagraph.postmortem.blameless import check_document
from rcagraph.postmortem.common import Actor, Role, dumps, jsonable, native, provenance, utcnow
from rcagraph.postmortem.documents import EDITABLE, Diff, PostMortem, Version, digest_of
from rcagraph.postmortem.draft import DraftBuilder
from rcagraph.postmortem.hypotheses import HypothesisService
from rcagraph.postmortem.incidents import IncidentService
from rcagraph.postmortem.policy import SeverityPolicy
from rcagraph.postmortem.render import json_diff, render_markdown, unified_diff


class PostMortemService:
    def __init__(
        self,
        graph: Graph,
        incidents: IncidentService,
        hypotheses: HypothesisService,
        audit: AuditTrail,
        policy: SeverityPolicy,
    ) -> None:
        self.graph = graph
        self.incidents = incidents
        self.hypotheses = hypotheses
        self.audit = audit
        self.policy = policy
        self.drafts = DraftBuilder(graph, hypotheses, policy)

    # -- reading --------------------------------------------------------------------------

    def _find(self, pm_id: str, scope: str | None = None) -> dict[str, Any]:
        row = self.graph.read_one(q.PM_FIND, id=pm_id, scope=scope)
        if row is None:
            raise NotFoundError(f"post-mortem {pm_id!r} not found")
        return row

    def _version(self, pm_uid: str, number: int) -> Version:
        row = self.graph.read_one(q.PM_VERSION, uid=pm_uid, number=number)
        if row is None:
            raise NotFoundError(f"version {number} not found")
        v = native(row["v"])
        return Version(
            number=int(v["number"]),
            author=v["author"],
            created_at=v["created_at"],
            digest=v["digest"],
            note=v.get("note"),
            previous=row["previous"],
            content=json.loads(v["content"]),
        )

    def get(self, pm_id: str, scope: str | None = None) -> PostMortem:
        row = self._find(pm_id, scope)
        pm = native(row["pm"])
        version = self._version(pm["uid"], int(pm["current_version"]))
        content = version.content or {}
        return PostMortem(
            uid=pm["uid"],
            id=pm["id"],
            scope=pm["scope"],
            incident_id=pm["incident_id"],
            incident_uid=row["incident_uid"],
            severity=row.get("severity"),
            status=pm["status"],
            current_version=int(pm["current_version"]),
            created_at=pm["created_at"],
            updated_at=pm["updated_at"],
            content=content,
            digest=version.digest,
            approvals=[
                a for a in self.approvals(pm["uid"]) if a["version"] == int(pm["current_version"])
            ],
            findings=check_document(content),
        )

    def approvals(self, pm_uid: str) -> list[dict[str, Any]]:
        return [native(r["a"]) for r in self.graph.read(q.PM_APPROVALS, uid=pm_uid)]

    def search(
        self,
        *,
        status: str | None = None,
        scope: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        rows = self.graph.read(q.PM_LIST, status=status, scope=scope, limit=limit, offset=offset)
        return [jsonable(r["pm"] | {"severity": r["severity"]}) for r in rows]

    def versions(self, pm_id: str) -> list[Version]:
        pm = native(self._find(pm_id)["pm"])
        return [
            Version(
                number=int(native(r["v"])["number"]),
                author=r["v"]["author"],
                created_at=native(r["v"]["created_at"]),
                digest=r["v"]["digest"],
                note=r["v"].get("note"),
                previous=r["previous"],
            )
            for r in self.graph.read(q.PM_VERSIONS, uid=pm["uid"])
        ]

    def version(self, pm_id: str, number: int) -> Version:
        pm = native(self._find(pm_id)["pm"])
        return self._version(pm["uid"], number)

    def diff(self, pm_id: str, a: int, b: int) -> Diff:
        pm = native(self._find(pm_id)["pm"])
        va, vb = self._version(pm["uid"], a), self._version(pm["uid"], b)
        ca, cb = va.content or {}, vb.content or {}
        return Diff(
            a=a,
            b=b,
            markdown=unified_diff(
                render_markdown(ca), render_markdown(cb), f"{pm_id} v{a}", f"{pm_id} v{b}"
            ),
            fields=json_diff(ca, cb),
        )

    def export(self, pm_id: str, fmt: Literal["md", "json"], version: int | None = None) -> str:
        pm = self.get(pm_id)
        content = pm.content if version is None else (self.version(pm_id, version).content or {})
        number = pm.current_version if version is None else version
        if fmt == "json":
            return json.dumps(
                {"id": pm.id, "status": pm.status, "version": number, "content": content},
                indent=2,
                ensure_ascii=False,
            )
        return render_markdown(content, meta={"id": pm.id, "status": pm.status, "version": number})

    # -- creating and editing -------------------------------------------------------------

    def draft(self, incident_id: str, scope: str | None = None) -> dict[str, Any]:
        """A draft document for the incident, not stored."""
        return self.drafts.build(self.incidents.get(incident_id, scope))

    def create(self, actor: Actor, incident_id: str, scope: str | None = None) -> PostMortem:
        actor.require(Role.responder)
        incident = self.incidents.get(incident_id, scope)
        if self.graph.read_one(q.PM_OF_INCIDENT, uid=incident.uid) is not None:
            raise ConflictError(f"incident {incident.id!r} already has a post-mortem")
        content = self.drafts.build(incident)
        pm_id = f"PM-{incident.id}"
        pm_uid = uid(incident.scope, "PostMortem", incident.id)
        rows = []
        for i, action in enumerate(content["actions"], start=1):
            action["id"] = f"{pm_id}-A{i}"
            action["status"] = "open"
            rows.append(
                {
                    "uid": uid(incident.scope, "Action", action["id"]),
                    "addresses": action["addresses"],
                    "props": {
                        "id": action["id"],
                        "title": action["title"],
                        "owner": action["owner"],
                        "due": datetime.fromisoformat(action["due"]).date(),
                        "status": "open",
                        "success_criterion": action["success_criterion"],
                        "kind": action["kind"],
                        "service": action["service"],
                    },
                }
            )
        content_json = dumps(content)
        at = utcnow()
        prov = provenance(f"created by {actor.name}")
        try:
            self.graph.run_in_transaction(
                [
                    (
                        q.PM_CREATE,
                        {
                            "incident_uid": incident.uid,
                            "uid": pm_uid,
                            "id": pm_id,
                            "version_uid": uid(incident.scope, "PostMortemVersion", pm_id, "1"),
                            "author": actor.name,
                            "at": at,
                            "content": content_json,
                            "digest": digest_of(content_json),
                            "note": "generated draft",
                            **prov,
                        },
                    ),
                    (q.ACTIONS_CREATE, {"pm_uid": pm_uid, "rows": rows, "at": at, **prov}),
                ]
            )
        except GraphConstraintError as exc:
            raise ConflictError(f"incident {incident.id!r} already has a post-mortem") from exc
        pm = self.get(pm_id, incident.scope)
        self.audit.record(
            actor,
            "postmortem.create",
            pm_uid,
            None,
            {"version": 1, "digest": pm.digest, "actions": [a["id"] for a in content["actions"]]},
        )
        return pm

    def edit(
        self,
        actor: Actor,
        pm_id: str,
        *,
        base_version: int,
        changes: dict[str, Any],
        note: str | None = None,
    ) -> PostMortem:
        actor.require(Role.responder)
        bad = set(changes) - EDITABLE
        if bad:
            raise InputError(
                f"cannot edit {', '.join(sorted(bad))}; editable: {', '.join(sorted(EDITABLE))}"
            )
        if not changes:
            raise InputError("an edit must change at least one field")
        current = self.get(pm_id)
        if current.status == "published":
            raise WorkflowError(f"post-mortem {pm_id} is published and read-only")
        if base_version != current.current_version:
            raise ConflictError(
                f"edit based on version {base_version}, but the current version is "
                f"{current.current_version}; reload and re-apply the edit"
            )
        content = jsonable(current.content | changes)
        content_json = dumps(content)
        new_number = base_version + 1
        try:
            rows = self.graph.write(
                q.PM_EDIT,
                uid=current.uid,
                base=base_version,
                version_uid=uid(current.scope, "PostMortemVersion", pm_id, str(new_number)),
                author=actor.name,
                at=utcnow(),
                content=content_json,
                digest=digest_of(content_json),
                note=note,
                **provenance(f"edited by {actor.name}"),
            )
        except GraphConstraintError as exc:
            raise ConflictError(
                f"version {new_number} of {pm_id} was written concurrently"
            ) from exc
        if not rows:
            again = self.get(pm_id)
            if again.status == "published":
                raise WorkflowError(f"post-mortem {pm_id} is published and read-only")
            raise ConflictError(
                f"edit based on version {base_version}, but the current version is "
                f"{again.current_version}"
            )
        pm = self.get(pm_id)
        self.audit.record(
            actor,
            "postmortem.edit",
            current.uid,
            {
                "version": base_version,
                "status": current.status,
                "digest": current.digest,
                "fields": {k: current.content.get(k) for k in changes},
            },
            {
                "version": pm.current_version,
                "status": pm.status,
                "digest": pm.digest,
                "fields": {k: pm.content.get(k) for k in changes},
                "note": note,
            },
        )
        return pm

    # -- workflow -------------------------------------------------------------------------

    def _transition(self, actor: Actor, pm: PostMortem, to_status: str) -> PostMortem:
        rows = self.graph.write(
            q.PM_TRANSITION,
            uid=pm.uid,
            from_status=pm.status,
            to_status=to_status,
            version=pm.current_version,
            at=utcnow(),
        )
        if not rows:
            raise ConflictError(f"post-mortem {pm.id} changed meanwhile; reload and retry")
        self.audit.record(
            actor,
            f"postmortem.{to_status}",
            pm.uid,
            {"status": pm.status, "version": pm.current_version},
            {"status": to_status, "version": pm.current_version},
        )
        return self.get(pm.id)

    def submit(self, actor: Actor, pm_id: str) -> PostMortem:
        actor.require(Role.responder)
        pm = self.get(pm_id)
        if pm.status != "draft":
            raise WorkflowError(f"only a draft can be submitted for review (status {pm.status})")
        return self._transition(actor, pm, "in_review")

    def root_cause_owner(self, pm: PostMortem) -> str | None:
        """The team owning the root-cause service: the confirmed hypothesis's, else the top."""
        hyps = self.hypotheses.for_incident_uid(pm.incident_uid)
        chosen = [h for h in hyps if h.verdict == "confirmed"] or [
            h for h in hyps if h.verdict != "refuted"
        ]
        if not chosen or not chosen[0].service:
            return None
        rows = self.graph.read(q.OWNERS, scope=pm.scope, names=[chosen[0].service])
        owner = rows[0]["owner"] if rows else None
        return str(owner) if owner else None

    def approval_status(self, pm: PostMortem) -> dict[str, Any]:
        rule = self.policy.approval_rule(pm.severity)
        reviewers = {a["reviewer"] for a in pm.approvals}
        owner_ok = any(a.get("owner") for a in pm.approvals)
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

    def approve(self, actor: Actor, pm_id: str, version: int) -> PostMortem:
        actor.require(Role.reviewer)
        pm = self.get(pm_id)
        if pm.status != "in_review":
            raise WorkflowError(
                f"only a post-mortem in review can be approved (status {pm.status})"
            )
        if version != pm.current_version:
            raise ConflictError(
                f"approval of version {version}, but the current version is {pm.current_version}"
            )
        author = self.version(pm_id, version).author
        if author == actor.name:
            raise PermissionDeniedError(
                f"{actor.name!r} wrote version {version} and cannot approve it"
            )
        if any(a["reviewer"] == actor.name for a in pm.approvals):
            raise ConflictError(f"{actor.name!r} already approved version {version}")
        owner_team = self.root_cause_owner(pm)
        is_owner = bool(
            (owner_team is not None and actor.team is not None and actor.team == owner_team)
            or (owner_team is None and actor.role >= Role.admin)
        )
        try:
            rows = self.graph.write(
                q.PM_APPROVE,
                uid=pm.uid,
                version=version,
                approval_uid=uid(pm.scope, "Approval", pm.id, str(version), actor.name),
                reviewer=actor.name,
                role=actor.role.name,
                owner=is_owner,
                at=utcnow(),
                **provenance(f"approved by {actor.name}"),
            )
        except GraphConstraintError as exc:
            raise ConflictError(f"{actor.name!r} already approved version {version}") from exc
        if not rows:
            raise ConflictError(f"post-mortem {pm_id} changed meanwhile; reload and retry")
        self.audit.record(
            actor,
            "postmortem.approve",
            pm.uid,
            None,
            {"version": version, "reviewer": actor.name, "owner": is_owner},
        )
        pm = self.get(pm_id)
        if self.approval_status(pm)["satisfied"]:
            pm = self._transition(actor, pm, "approved")
        return pm

    def publish(self, actor: Actor, pm_id: str) -> PostMortem:
        actor.require(Role.reviewer)
        pm = self.get(pm_id)
        if pm.status != "approved":
            raise WorkflowError(
                f"only an approved post-mortem can be published (status {pm.status})"
            )
        return self._transition(actor, pm, "published")
