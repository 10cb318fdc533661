"""Object-level authorisation: who may change which incident, post-mortem and action.

Roles say what kind of change a token may make (:class:`~rcagraph.postmortem.common.Role`);
this module says on which objects. The rules:

* **Scopes.** A token sees the scopes it carries (admins: every scope). Every id is resolved
  within the token's scopes; an object of another scope does not exist for it (404), and naming
  such a scope outright is a 403.
* **Teams.** An incident belongs to the teams owning its services: the owners (catalog
  ``(:Team)-[:OWNS]->``, else ``Component.owner``) of its symptom services and of its root-cause
  service (the confirmed hypothesis, else the top-ranked one not refuted). Changing an
  incident, its hypotheses' verdicts, its ranking, its post-mortem (create, edit, submit,
  verify) or its actions needs a token in one of those teams; an action's own owner team may
  change that action too. An admin may change everything. An incident with no known owner may
  be changed by any responder who sees its scope (there is no catalog to go by).
* **Reviews** are across teams: any reviewer who sees the scope may approve and publish, as the
  severity's gates allow (the owner rule of SEV1/SEV2 still needs the owning team).
* **Severity during review.** Changing an incident's severity while its post-mortem is in
  review, approved or published needs a reviewer, and the gates are evaluated again: an approved
  post-mortem whose new severity needs more approvals goes back to review.
"""

from __future__ import annotations

from dataclasses import dataclass

import rcagraph.postmortem.queries as q
from rcagraph.engine.writeback import read_hypotheses
from rcagraph.errors import PermissionDeniedError
from rcagraph.graph import Graph
from rcagraph.postmortem.common import Actor, Role


@dataclass(frozen=True, slots=True)
class Ownership:
    """The teams an incident belongs to, and the team owning its root-cause service."""

    teams: frozenset[str]
    root_cause_owner: str | None


class Access:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def root_cause_owner(self, incident_uid: str, scope: str) -> str | None:
        """The team owning the root-cause service: the confirmed hypothesis's, else the top."""
        hyps = read_hypotheses(self.graph, incident_uid)
        chosen = [h for h in hyps if h.verdict == "confirmed"] or [
            h for h in hyps if h.verdict != "refuted"
        ]
        if not chosen or not chosen[0].service:
            return None
        rows = self.graph.read(q.OWNERS, scope=scope, names=[chosen[0].service])
        owner = rows[0]["owner"] if rows else None
        return str(owner) if owner else None

    def ownership(self, incident_uid: str, scope: str) -> Ownership:
        symptom_teams = {
            str(t) for t in self.graph.read_value(q.SYMPTOM_OWNERS, uid=incident_uid) or [] if t
        }
        root = self.root_cause_owner(incident_uid, scope)
        return Ownership(frozenset(symptom_teams | ({root} if root else set())), root)

    def require_change(
        self,
        actor: Actor,
        incident_uid: str,
        scope: str,
        what: str,
        *,
        also: frozenset[str] = frozenset(),
    ) -> None:
        """Raise :class:`PermissionDeniedError` (naming why) unless ``actor`` may change
        ``what``, an object of the incident ``incident_uid``; ``also``: more teams that may
        (an action's owner)."""
        actor.require(Role.responder)
        actor.require_scope(scope)
        if actor.role >= Role.admin:
            return
        owners = self.ownership(incident_uid, scope).teams | also
        if not owners or owners & set(actor.teams):
            return
        mine = ", ".join(actor.teams) or "none"
        raise PermissionDeniedError(
            f"{actor.name!r} (teams: {mine}) may not change {what}: it belongs to the teams "
            f"{', '.join(sorted(owners))}"
        )
