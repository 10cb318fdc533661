"""The post-mortem of an incident: the structured editor (summary, timeline, contributing
factors, lessons, actions, notes) with the blameless-language hints where they occur, saving a
new version with a note, the version list and a side-by-side diff, submit / approve / publish
with the API's gates (the reason shown where a gate blocks), the glossary, and the exports
(Markdown, JSON, a printable page). Every call is the one the API's post-mortem router makes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import ValidationError

from rcagraph.api.errors import public_message, status_of
from rcagraph.api.models import ApproveIn, Name, PostMortemEdit, Scope
from rcagraph.errors import InputError, NotFoundError, PermissionDeniedError, RcaGraphError
from rcagraph.postmortem.blameless import Finding
from rcagraph.postmortem.common import Role
from rcagraph.postmortem.documents import PostMortem
from rcagraph.postmortem.workflow import Workflow
from rcagraph.workspace.incidents import incident_path, input_error
from rcagraph.workspace.pages import (
    PREFIX,
    ResponderForm,
    ReviewerForm,
    User,
    ViewerPage,
    WorkflowPage,
    WorkspaceRoute,
    redirect,
    render,
    templates,
)

router = APIRouter(prefix=PREFIX, route_class=WorkspaceRoute, include_in_schema=False)

#: the longest text of one field of the editor (the API's Text bound)
MAX_TEXT = 5000
#: the longest list field (timeline summaries, lines of factors and lessons)
MAX_ITEMS = 500

#: the terms the post-mortem pages use, as the glossary shows them
GLOSSARY: tuple[tuple[str, str], ...] = (
    (
        "Post-mortem",
        "the document written after an incident: what happened, why, what it "
        "cost and what changes so that it does not happen again. Stored as numbered versions.",
    ),
    (
        "Blameless",
        "written about systems and safeguards, not people: the hints flag phrases "
        "that blame a person and suggest a rewording; the author decides.",
    ),
    (
        "Version",
        "every save is a new, immutable version with its author, a note and a "
        "digest; an edit names the version it started from (a stale one is refused).",
    ),
    (
        "Hypothesis",
        "a candidate root cause the ranking engine proposed, with its confidence "
        "and the evidence (records of the loaded data) behind it.",
    ),
    ("Contributing factor", "a condition that made the incident possible or worse."),
    (
        "Action",
        "a remediation step with an owner, a due date, a success criterion and "
        "optionally a ticket; open → in progress → done, then verified by verification.",
    ),
    ("Success criterion", "how to tell the action worked, checked by verification."),
    (
        "Verification",
        "after remediation, rcagraph looks for the incident's failure signature "
        "in newer telemetry: none found verifies the done actions, a recurrence reopens them.",
    ),
    ("In review", "submitted by a responder; reviewers may approve the current version."),
    (
        "Approval",
        "a reviewer's approval of one version (an edit after it needs a new one). "
        "The author of a version cannot approve it.",
    ),
    (
        "Owner rule",
        "for SEV1 and SEV2 one approval must come from the team owning the root-cause service.",
    ),
    ("Published", "approved and released: read-only from then on."),
    (
        "MTTD / MTTR",
        "mean time to detect (detected − started) and to resolve (resolved − started), in minutes.",
    ),
)


def postmortem_path(pm_id: str, scope: str) -> str:
    return f"{PREFIX}/postmortems/{quote(pm_id, safe='')}?{urlencode({'scope': scope})}"


def postmortem_id_of(incident_id: str) -> str:
    """The id of an incident's post-mortem (as :meth:`PostMortemService.create` names it)."""
    return f"PM-{incident_id}"


templates.globals["postmortem_path"] = postmortem_path


def verification_rows(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The verifications of ``GET /api/v1/postmortems/{id}/verifications``, newest first,
    their ``details`` (JSON text) read as ``details_json``."""
    rows = []
    for v in reversed(history):
        try:
            details = json.loads(v.get("details") or "{}")
        except ValueError:
            details = {}
        rows.append({**v, "details_json": details if isinstance(details, dict) else {}})
    return rows


@dataclass(frozen=True, slots=True)
class Hint:
    """A blameless-language finding placed at its field: ``where`` names it for people."""

    where: str
    finding: Finding


def _where(path: str) -> str:
    parts = path.strip("/").split("/")
    names = {
        "summary": "Summary",
        "contributing_factors": "Contributing factors",
        "lessons": "Lessons",
        "notes": "Notes",
        "timeline": "Timeline",
        "actions": "Actions",
        "impact": "Impact",
        "hypotheses": "Hypotheses",
    }
    head = names.get(parts[0], parts[0])
    if len(parts) > 1 and parts[1].isdigit():
        return f"{head}, {'line' if len(parts) == 2 else 'entry'} {int(parts[1]) + 1}"
    return head


def hints_by_field(findings: Iterable[Finding]) -> dict[str, list[Hint]]:
    """The findings by the editor field they belong to (``summary``, ``timeline/3``,
    ``lessons``, ``actions/0``, …)."""
    out: dict[str, list[Hint]] = {}
    for f in findings:
        parts = f.path.strip("/").split("/")
        key = parts[0]
        if parts[0] in ("timeline", "actions") and len(parts) > 1:
            key = f"{parts[0]}/{parts[1]}"
        out.setdefault(key, []).append(Hint(_where(f.path), f))
    return out


def may_change(wf: Workflow, user: User, pm: PostMortem) -> str:
    """Why ``user`` may not edit ``pm`` ('' when they may): the role, publication, and the
    object-level check the service makes (:meth:`Access.require_change`)."""
    if not user.may(Role.responder):
        return f"{user.actor.name!r} has role {user.actor.role.name}; editing needs responder"
    try:
        wf.access.require_change(user.actor, pm.incident_uid, pm.scope, f"post-mortem {pm.id}")
    except PermissionDeniedError as exc:
        return str(exc)
    if pm.status == "published":
        return f"post-mortem {pm.id} is published and read-only"
    return ""


def _page(
    request: Request,
    user: User,
    wf: Workflow,
    pm: PostMortem,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    versions = wf.postmortems.versions(pm.id, pm.scope, user.actor)
    history = verification_rows(wf.verifier.history(pm.id, pm.scope, user.actor))
    hints = hints_by_field(pm.findings)
    return render(
        request,
        "postmortem.html",
        user,
        status=status,
        title=f"Post-mortem {pm.id}",
        pm=pm,
        doc=pm.content,
        approval=wf.postmortems.approval_status(pm),
        versions=versions,
        actions=wf.actions.of_postmortem(pm.id, pm.scope, user.actor),
        verifications=history,
        hints=hints,
        timeline_hinted=any(k.startswith("timeline/") for k in hints),
        cannot_edit=may_change(wf, user, pm),
        error=error,
        glossary=GLOSSARY,
        here=postmortem_path(pm.id, pm.scope),
        incident_here=incident_path(pm.incident_id, pm.scope),
    )


@router.get("/incidents/{incident_id}/postmortem")
def incident_postmortem(
    request: Request,
    incident_id: Name,
    user: ViewerPage,
    wf: WorkflowPage,
    scope: Scope | None = None,
) -> Response:
    """The incident's post-mortem, or (without one) the page offering to create it."""
    incident = wf.incidents.get(incident_id, scope, user.actor)
    try:
        pm = wf.postmortems.get(postmortem_id_of(incident.id), incident.scope, user.actor)
    except NotFoundError:
        return render(
            request,
            "postmortem_none.html",
            user,
            title=f"Post-mortem of {incident.id}",
            incident=incident,
            here=incident_path(incident.id, incident.scope),
        )
    return redirect(postmortem_path(pm.id, pm.scope))


@router.post("/incidents/{incident_id}/postmortem")
def create_postmortem(
    incident_id: Name,
    user: ResponderForm,
    wf: WorkflowPage,
    scope: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Generate the draft and store it as version 1: ``POST /api/v1/postmortems``."""
    pm = wf.postmortems.create(user.actor, incident_id, scope or None)
    return redirect(postmortem_path(pm.id, pm.scope))


@router.get("/postmortems/{pm_id}")
def postmortem_page(
    request: Request, pm_id: Name, user: ViewerPage, wf: WorkflowPage, scope: Scope | None = None
) -> Response:
    """``GET /api/v1/postmortems/{id}`` with its versions, actions and verifications."""
    return _page(request, user, wf, wf.postmortems.get(pm_id, scope, user.actor))


def _lines(text: str, field: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_ITEMS:
        raise InputError(f"at most {MAX_ITEMS} lines", field=field)
    return lines


def _bounded(values: list[str], field: str) -> list[str]:
    if len(values) > MAX_ITEMS:
        raise InputError(f"at most {MAX_ITEMS} entries", field=field)
    for i, v in enumerate(values):
        if len(v) > MAX_TEXT:
            raise InputError(f"at most {MAX_TEXT} characters", field=f"{field}[{i}]")
    return [v.strip() for v in values]


def edited_fields(
    doc: dict[str, Any],
    *,
    summary: str,
    factors: str,
    lessons: str,
    notes: str,
    timeline_summary: list[str],
    action_title: list[str],
    action_owner: list[str],
    action_due: list[str],
    action_criterion: list[str],
) -> dict[str, Any]:
    """The top-level fields of ``doc`` the editor's form changes (only those that differ):
    what ``POST /api/v1/postmortems/{id}/versions`` takes as ``changes``."""
    changes: dict[str, Any] = {}
    if summary.strip() != str(doc.get("summary") or "").strip():
        changes["summary"] = summary.strip()
    for key, text in (("contributing_factors", factors), ("lessons", lessons)):
        new = _lines(text, key)
        if new != list(doc.get(key) or []):
            changes[key] = new
    if notes.strip() != str(doc.get("notes") or "").strip():
        changes["notes"] = notes.strip()
    timeline = list(doc.get("timeline") or [])
    summaries = _bounded(timeline_summary, "timeline")
    if summaries and len(summaries) != len(timeline):
        raise InputError(
            f"the form has {len(summaries)} timeline entries, the version {len(timeline)}; "
            "reload it",
            field="timeline",
        )
    if summaries:
        new_timeline = [
            {**e, "summary": s} if s != e.get("summary") else e
            for e, s in zip(timeline, summaries, strict=True)
        ]
        if new_timeline != timeline:
            changes["timeline"] = new_timeline
    actions = list(doc.get("actions") or [])
    columns = [
        _bounded(v, f"actions.{n}")
        for v, n in (
            (action_title, "title"),
            (action_owner, "owner"),
            (action_due, "due"),
            (action_criterion, "success_criterion"),
        )
    ]
    if any(columns):
        if any(len(c) != len(actions) for c in columns):
            raise InputError(
                "the form's actions do not match the version; reload it", field="actions"
            )
        new_actions = []
        for a, title, owner, due, criterion in zip(actions, *columns, strict=True):
            if due:
                try:
                    date.fromisoformat(due)
                except ValueError:
                    raise InputError("a date YYYY-MM-DD", field="actions.due") from None
            edited = {
                **a,
                "title": title,
                "owner": owner,
                "due": due,
                "success_criterion": criterion,
            }
            new_actions.append(edited if edited != a else a)
        if new_actions != actions:
            changes["actions"] = new_actions
    return changes


@router.post("/postmortems/{pm_id}/versions")
def save_version(
    request: Request,
    pm_id: Name,
    user: ResponderForm,
    wf: WorkflowPage,
    base_version: Annotated[int, Form(ge=1, le=1_000_000)],
    scope: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    summary: Annotated[str, Form(max_length=MAX_TEXT)] = "",
    factors: Annotated[str, Form(max_length=MAX_TEXT * 10)] = "",
    lessons: Annotated[str, Form(max_length=MAX_TEXT * 10)] = "",
    notes: Annotated[str, Form(max_length=MAX_TEXT)] = "",
    timeline_summary: Annotated[list[str] | None, Form()] = None,
    action_title: Annotated[list[str] | None, Form()] = None,
    action_owner: Annotated[list[str] | None, Form()] = None,
    action_due: Annotated[list[str] | None, Form()] = None,
    action_criterion: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Save the editor as a new version: ``POST /api/v1/postmortems/{id}/versions``."""
    current = wf.postmortems.get(pm_id, scope or None, user.actor)
    changes = edited_fields(
        current.content,
        summary=summary,
        factors=factors,
        lessons=lessons,
        notes=notes,
        timeline_summary=timeline_summary or [],
        action_title=action_title or [],
        action_owner=action_owner or [],
        action_due=action_due or [],
        action_criterion=action_criterion or [],
    )
    try:
        body = PostMortemEdit.model_validate(
            {"base_version": base_version, "changes": changes, "note": note.strip() or None}
        )
    except ValidationError as exc:
        raise input_error(exc) from None
    try:
        pm = wf.postmortems.edit(
            user.actor,
            current.id,
            base_version=body.base_version,
            changes=body.changes,
            note=body.note,
            scope=current.scope,
        )
    except RcaGraphError as exc:
        if isinstance(exc, PermissionDeniedError):
            raise
        return refused_page(request, user, wf, current, exc)
    return redirect(postmortem_path(pm.id, pm.scope) + "#editor")


def refused_page(
    request: Request, user: User, wf: Workflow, pm: PostMortem, exc: RcaGraphError
) -> Response:
    """The post-mortem page again, with the reason a gate blocked (and its status code)."""
    status = status_of(exc, request.url.path)
    fresh = wf.postmortems.get(pm.id, pm.scope, user.actor)
    return _page(request, user, wf, fresh, error=public_message(exc, status), status=status)


def _review_step(
    request: Request,
    user: User,
    wf: Workflow,
    pm_id: str,
    scope: str,
    step: Callable[[PostMortem], object],
) -> Response:
    """One review step (submit, approve, publish) on the post-mortem: back to its review
    section, or its page with the reason a gate blocked."""
    pm = wf.postmortems.get(pm_id, scope or None, user.actor)
    try:
        step(pm)
    except RcaGraphError as exc:
        return refused_page(request, user, wf, pm, exc)
    return redirect(postmortem_path(pm.id, pm.scope) + "#review")


@router.post("/postmortems/{pm_id}/submit")
def submit(
    request: Request,
    pm_id: Name,
    user: ResponderForm,
    wf: WorkflowPage,
    scope: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """draft → in review: ``POST /api/v1/postmortems/{id}/submit``."""
    return _review_step(
        request,
        user,
        wf,
        pm_id,
        scope,
        lambda pm: wf.postmortems.submit(user.actor, pm.id, pm.scope),
    )


@router.post("/postmortems/{pm_id}/approve")
def approve(
    request: Request,
    pm_id: Name,
    user: ReviewerForm,
    wf: WorkflowPage,
    version: Annotated[int, Form(ge=1, le=1_000_000)],
    scope: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Approve the shown version: ``POST /api/v1/postmortems/{id}/approve`` (refused for the
    version's author, a stale version, a post-mortem not in review)."""
    body = ApproveIn(version=version)
    return _review_step(
        request,
        user,
        wf,
        pm_id,
        scope,
        lambda pm: wf.postmortems.approve(user.actor, pm.id, body.version, pm.scope),
    )


@router.post("/postmortems/{pm_id}/publish")
def publish(
    request: Request,
    pm_id: Name,
    user: ReviewerForm,
    wf: WorkflowPage,
    scope: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """approved → published: ``POST /api/v1/postmortems/{id}/publish``."""
    return _review_step(
        request,
        user,
        wf,
        pm_id,
        scope,
        lambda pm: wf.postmortems.publish(user.actor, pm.id, pm.scope),
    )


@dataclass(frozen=True, slots=True)
class DiffRow:
    """A row of the side-by-side diff: the left (older) and right (newer) line, and how they
    differ (``same``, ``changed``, ``removed``, ``added``, ``hunk``)."""

    kind: str
    left: str
    right: str


def side_by_side(unified: str) -> list[DiffRow]:
    """The library's unified diff of the two versions' Markdown as side-by-side rows: a run
    of removed lines is paired with the run of added lines after it."""
    rows: list[DiffRow] = []
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        for i in range(max(len(removed), len(added))):
            left = removed[i] if i < len(removed) else ""
            right = added[i] if i < len(added) else ""
            kind = (
                "changed"
                if i < len(removed) and i < len(added)
                else ("removed" if i < len(removed) else "added")
            )
            rows.append(DiffRow(kind, left, right))
        removed.clear()
        added.clear()

    for line in unified.splitlines():
        if line.startswith(("--- ", "+++ ")) and not rows and not removed and not added:
            continue
        if line.startswith("@@"):
            flush()
            rows.append(DiffRow("hunk", line, line))
        elif line.startswith("-"):
            if added:
                flush()
            removed.append(line[1:])
        elif line.startswith("+"):
            added.append(line[1:])
        else:
            flush()
            text = line[1:] if line.startswith(" ") else line
            rows.append(DiffRow("same", text, text))
    flush()
    return rows


@router.get("/postmortems/{pm_id}/diff")
def diff(
    request: Request,
    pm_id: Name,
    user: ViewerPage,
    wf: WorkflowPage,
    a: Annotated[int, Query(ge=1, le=1_000_000)],
    b: Annotated[int, Query(ge=1, le=1_000_000)],
    scope: Scope | None = None,
) -> Response:
    """Two versions side by side: ``GET /api/v1/postmortems/{id}/diff``."""
    pm = wf.postmortems.get(pm_id, scope, user.actor)
    d = wf.postmortems.diff(pm.id, a, b, pm.scope, user.actor)
    return render(
        request,
        "diff.html",
        user,
        title=f"{pm.id}: version {a} → {b}",
        pm=pm,
        d=d,
        rows=side_by_side(d.markdown),
        versions=wf.postmortems.versions(pm.id, pm.scope, user.actor),
        here=postmortem_path(pm.id, pm.scope),
    )


@router.get("/postmortems/{pm_id}/export", response_model=None)
def export(
    request: Request,
    pm_id: Name,
    user: ViewerPage,
    wf: WorkflowPage,
    format: Literal["md", "json", "html"] = "md",
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    scope: Scope | None = None,
) -> Response:
    """Markdown and JSON as ``GET /api/v1/postmortems/{id}/export`` gives them; ``html``: the
    same version as a printable page."""
    pm = wf.postmortems.get(pm_id, scope, user.actor)
    number = version or pm.current_version
    name = f"{pm.id}-v{number}"
    if format == "html":
        content = (
            pm.content
            if version is None
            else wf.postmortems.version(pm.id, version, pm.scope, user.actor).content or {}
        )
        return render(request, "print.html", user, title=name, pm=pm, doc=content, number=number)
    text = wf.postmortems.export(pm.id, format, version, pm.scope, user.actor)
    media = "text/markdown" if format == "md" else "application/json"
    return PlainTextResponse(
        text,
        media_type=media,
        headers={"Content-Disposition": f'inline; filename="{name}.{format}"'},
    )
