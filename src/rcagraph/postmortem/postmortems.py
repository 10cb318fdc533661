"""Post-mortems as versioned, reviewed documents: :class:`PostMortemService`.

Every edit creates a new immutable PostMortemVersion (number, author, canonical JSON content,
sha256 digest, PREVIOUS link to the version it was based on). Status moves
draft → in_review → approved → published; the approvals needed depend on severity
(:class:`SeverityPolicy`); an author cannot approve their own version; an edit after approval
returns the post-mortem to review (approvals count for one version only); published is
read-only. An edit names the version it was based on; a stale base is a ConflictError. The
records it returns are in :mod:`rcagraph.postmortem.documents`. Who may change which
post-mortem: :mod:`rcagraph.postmortem.access`. Every change and its audit entry are one
transaction, keyed so that a retried commit is recognised (:meth:`AuditTrail.change`).
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
from rcagraph.graph import Graph, Tx
from rcagraph.ids import uid
from rcagraph.postmortem.access import Access
from rcagraph.postmortem.audit import Audited, AuditTrail
from rcagraph.postmortem.blameless import check_document
from rcagraph.postmortem.common import Actor, Role, dumps, jsonable, native, provenance, utcnow
from rcagraph.postmortem.documents import EDITABLE, Diff, PostMortem, Version, digest_of
from rcagraph.postmortem.draft import DraftBuilder
from rcagraph.postmortem.hypotheses import HypothesisService
from rcagraph.postmortem.incidents import IncidentService, resolve_in_scopes, scopes_of
from rcagraph.postmortem.policy import SeverityPolicy, approval_status
from rcagraph.postmortem.render import json_diff, render_markdown, unified_diff


class PostMortemService:
    def __init__(
        self,
        graph: Graph,
        incidents: IncidentService,
        hypotheses: HypothesisService,
        audit: AuditTrail,
        policy: SeverityPolicy,
        access: Access,
    ) -> None:
        self.graph = graph
        self.incidents = incidents
        self.hypotheses = hypotheses
        self.audit = audit
        self.policy = policy
        self.access = access
        self.drafts = DraftBuilder(graph, hypotheses, policy)

    # -- reading --------------------------------------------------------------------------

    def _find(
        self, pm_id: str, scope: str | None = None, actor: Actor | None = None
    ) -> dict[str, Any]:
        rows = self.graph.read(q.PM_FIND, id=pm_id, scope=scope, scopes=scopes_of(actor))
        return resolve_in_scopes(rows, f"post-mortem {pm_id!r}", scope, actor)

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
            author_id=v.get("author_id"),
        )

    def get(self, pm_id: str, scope: str | None = None, actor: Actor | None = None) -> PostMortem:
        """The post-mortem ``pm_id`` in ``scope`` or, without one, in the scopes ``actor``
        sees (every scope without an actor)."""
        row = self._find(pm_id, scope, actor)
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
        actor: Actor | None = None,
        status: str | None = None,
        scope: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        if actor is not None and scope is not None:
            actor.require_scope(scope)
        rows = self.graph.read(
            q.PM_LIST,
            status=status,
            scope=scope,
            scopes=scopes_of(actor),
            limit=limit,
            offset=offset,
        )
        return [jsonable(r["pm"] | {"severity": r["severity"]}) for r in rows]

    def versions(
        self, pm_id: str, scope: str | None = None, actor: Actor | None = None
    ) -> list[Version]:
        pm = native(self._find(pm_id, scope, actor)["pm"])
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

    def version(
        self, pm_id: str, number: int, scope: str | None = None, actor: Actor | None = None
    ) -> Version:
        pm = native(self._find(pm_id, scope, actor)["pm"])
        return self._version(pm["uid"], number)

    def diff(
        self, pm_id: str, a: int, b: int, scope: str | None = None, actor: Actor | None = None
    ) -> Diff:
        pm = native(self._find(pm_id, scope, actor)["pm"])
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

    def export(
        self,
        pm_id: str,
        fmt: Literal["md", "json"],
        version: int | None = None,
        scope: str | None = None,
        actor: Actor | None = None,
    ) -> str:
        pm = self.get(pm_id, scope, actor)
        content = pm.content if version is None else (self._version(pm.uid, version).content or {})
        number = pm.current_version if version is None else version
        if fmt == "json":
            return json.dumps(
                {"id": pm.id, "status": pm.status, "version": number, "content": content},
                indent=2,
                ensure_ascii=False,
            )
        return render_markdown(content, meta={"id": pm.id, "status": pm.status, "version": number})

    # -- creating and editing -------------------------------------------------------------

    def draft(
        self, incident_id: str, scope: str | None = None, actor: Actor | None = None
    ) -> dict[str, Any]:
        """A draft document for the incident, not stored."""
        return self.drafts.build(self.incidents.get(incident_id, scope, actor))

    def create(self, actor: Actor, incident_id: str, scope: str | None = None) -> PostMortem:
        actor.require(Role.responder)
        incident = self.incidents.get(incident_id, scope, actor)
        self.access.require_change(
            actor, incident.uid, incident.scope, f"incident {incident.id!r} (its post-mortem)"
        )
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
        digest = digest_of(content_json)
        at = utcnow()
        prov = provenance(f"created by {actor.name}")

        def work(tx: Tx) -> Audited[None]:
            tx.run(
                q.PM_CREATE,
                incident_uid=incident.uid,
                uid=pm_uid,
                id=pm_id,
                version_uid=uid(incident.scope, "PostMortemVersion", pm_id, "1"),
                author=actor.name,
                author_id=actor.key,
                at=at,
                content=content_json,
                digest=digest,
                note="generated draft",
                **prov,
            )
            tx.run(q.ACTIONS_CREATE, pm_uid=pm_uid, rows=rows, at=at, **prov)
            after = {"version": 1, "digest": digest, "actions": [r["props"]["id"] for r in rows]}
            return Audited(None, None, after)

        try:
            self.audit.change(actor, "postmortem.create", pm_uid, work)
        except GraphConstraintError as exc:
            raise ConflictError(f"incident {incident.id!r} already has a post-mortem") from exc
        return self.get(pm_id, incident.scope)

    def edit(
        self,
        actor: Actor,
        pm_id: str,
        *,
        base_version: int,
        changes: dict[str, Any],
        note: str | None = None,
        scope: str | None = None,
    ) -> PostMortem:
        actor.require(Role.responder)
        bad = set(changes) - EDITABLE
        if bad:
            raise InputError(
                f"cannot edit {', '.join(sorted(bad))}; editable: {', '.join(sorted(EDITABLE))}"
            )
        if not changes:
            raise InputError("an edit must change at least one field")
        current = self.get(pm_id, scope, actor)
        self.access.require_change(
            actor, current.incident_uid, current.scope, f"post-mortem {current.id}"
        )
        if current.status == "published":
            raise WorkflowError(f"post-mortem {pm_id} is published and read-only")
        if base_version != current.current_version:
            raise ConflictError(
                f"edit based on version {base_version}, but the current version is "
                f"{current.current_version}; reload and re-apply the edit"
            )
        content = jsonable(current.content | changes)
        content_json = dumps(content)
        digest = digest_of(content_json)
        new_number = base_version + 1
        at = utcnow()

        def work(tx: Tx) -> Audited[None]:
            row = tx.run_one(
                q.PM_EDIT,
                uid=current.uid,
                base=base_version,
                version_uid=uid(current.scope, "PostMortemVersion", current.id, str(new_number)),
                author=actor.name,
                author_id=actor.key,
                at=at,
                content=content_json,
                digest=digest,
                note=note,
                **provenance(f"edited by {actor.name}"),
            )
            if row is None:
                raise ConflictError(
                    f"post-mortem {current.id} changed meanwhile (edit based on version "
                    f"{base_version}); reload and re-apply the edit"
                )
            before = {
                "version": base_version,
                "status": current.status,
                "digest": current.digest,
                "fields": {k: current.content.get(k) for k in changes},
            }
            after = {
                "version": row["number"],
                "status": row["status"],
                "digest": digest,
                "fields": {k: content.get(k) for k in changes},
                "note": note,
            }
            return Audited(None, before, after)

        try:
            self.audit.change(actor, "postmortem.edit", current.uid, work)
        except GraphConstraintError as exc:
            raise ConflictError(
                f"version {new_number} of {pm_id} was written concurrently"
            ) from exc
        except ConflictError:
            again = self.get(current.id, current.scope)
            if again.status == "published":
                raise WorkflowError(f"post-mortem {pm_id} is published and read-only") from None
            raise
        return self.get(current.id, current.scope)

    # -- workflow -------------------------------------------------------------------------

    def _transition(self, actor: Actor, pm: PostMortem, to_status: str) -> PostMortem:
        def work(tx: Tx) -> Audited[None]:
            rows = tx.run(
                q.PM_TRANSITION,
                uid=pm.uid,
                from_status=pm.status,
                to_status=to_status,
                version=pm.current_version,
                at=utcnow(),
            )
            if not rows:
                raise ConflictError(f"post-mortem {pm.id} changed meanwhile; reload and retry")
            return Audited(
                None,
                {"status": pm.status, "version": pm.current_version},
                {"status": to_status, "version": pm.current_version},
            )

        self.audit.change(actor, f"postmortem.{to_status}", pm.uid, work)
        return self.get(pm.id, pm.scope)

    def submit(self, actor: Actor, pm_id: str, scope: str | None = None) -> PostMortem:
        actor.require(Role.responder)
        pm = self.get(pm_id, scope, actor)
        self.access.require_change(actor, pm.incident_uid, pm.scope, f"post-mortem {pm.id}")
        if pm.status != "draft":
            raise WorkflowError(f"only a draft can be submitted for review (status {pm.status})")
        return self._transition(actor, pm, "in_review")

    def root_cause_owner(self, pm: PostMortem) -> str | None:
        """The team owning the root-cause service: the confirmed hypothesis's, else the top."""
        return self.access.root_cause_owner(pm.incident_uid, pm.scope)

    def approval_status(self, pm: PostMortem) -> dict[str, Any]:
        return approval_status(self.policy.approval_rule(pm.severity), pm.approvals)

    def approve(
        self, actor: Actor, pm_id: str, version: int, scope: str | None = None
    ) -> PostMortem:
        actor.require(Role.reviewer)
        pm = self.get(pm_id, scope, actor)
        if pm.status != "in_review":
            raise WorkflowError(
                f"only a post-mortem in review can be approved (status {pm.status})"
            )
        if version != pm.current_version:
            raise ConflictError(
                f"approval of version {version}, but the current version is {pm.current_version}"
            )
        written = self._version(pm.uid, version)
        own = (
            written.author_id == actor.key
            if written.author_id is not None
            else written.author == actor.name
        )
        if own:
            raise PermissionDeniedError(
                f"{actor.name!r} wrote version {version} and cannot approve it"
            )
        if any((a.get("reviewer_id") or a["reviewer"]) == actor.key for a in pm.approvals):
            raise ConflictError(f"{actor.name!r} already approved version {version}")
        owner_team = self.root_cause_owner(pm)
        is_owner = bool(
            (owner_team is not None and owner_team in actor.teams)
            or (owner_team is None and actor.role >= Role.admin)
        )
        at = utcnow()

        def work(tx: Tx) -> Audited[None]:
            rows = tx.run(
                q.PM_APPROVE,
                uid=pm.uid,
                version=version,
                approval_uid=uid(pm.scope, "Approval", pm.id, str(version), actor.key),
                reviewer=actor.name,
                reviewer_id=actor.key,
                role=actor.role.name,
                owner=is_owner,
                at=at,
                **provenance(f"approved by {actor.name}"),
            )
            if not rows:
                raise ConflictError(f"post-mortem {pm_id} changed meanwhile; reload and retry")
            after = {"version": version, "reviewer": actor.name, "owner": is_owner}
            return Audited(None, None, after)

        try:
            self.audit.change(actor, "postmortem.approve", pm.uid, work)
        except GraphConstraintError as exc:
            raise ConflictError(f"{actor.name!r} already approved version {version}") from exc
        pm = self.get(pm.id, pm.scope)
        if pm.status == "in_review" and self.approval_status(pm)["satisfied"]:
            pm = self._transition(actor, pm, "approved")
        return pm

    def publish(self, actor: Actor, pm_id: str, scope: str | None = None) -> PostMortem:
        actor.require(Role.reviewer)
        pm = self.get(pm_id, scope, actor)
        if pm.status != "approved":
            raise WorkflowError(
                f"only an approved post-mortem can be published (status {pm.status})"
            )
        return self._transition(actor, pm, "published")
