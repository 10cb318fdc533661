"""API tokens: random secrets shown once, stored only as sha256 hashes, each with a role, the
holder's teams and the scopes the token may see; revocable, effective at once.

Every request looks its token up in the graph (an indexed lookup of a few ms): there is
no cache, so a revoked or deleted token is refused by the very next request, in every process
serving the API.

Tokens created before teams and scopes existed carry at most a ``team``: their teams are that
team, and their scopes are every scope for an admin token, the ``default`` scope otherwise.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

import rcagraph.postmortem.queries as q
from rcagraph.errors import AuthenticationError, ConflictError, GraphConstraintError, NotFoundError
from rcagraph.graph import Graph, Tx
from rcagraph.ids import DEFAULT_SCOPE, uid
from rcagraph.postmortem.audit import Audited, AuditTrail
from rcagraph.postmortem.common import SYSTEM, Actor, Role, jsonable_dict, utcnow

TOKEN_PREFIX = "rcg_"  # noqa: S105 (a prefix, not a secret)
#: in a token's scopes: every scope
ALL_SCOPES = "*"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token_id() -> str:
    return "tok-" + secrets.token_hex(8)


def token_scopes(role: Role, scopes: Sequence[str] | None) -> list[str]:
    """The scopes stored for a new token: as given, else every scope for an admin and the
    default scope for the other roles."""
    if scopes:
        return sorted(set(scopes))
    return [ALL_SCOPES] if role >= Role.admin else [DEFAULT_SCOPE]


def actor_of(row: dict[str, Any]) -> Actor:
    """The :class:`Actor` of a stored token (see the module doc for tokens without scopes)."""
    role = Role.parse(str(row["role"]))
    teams = row.get("teams")
    if teams is None:
        teams = [row["team"]] if row.get("team") else []
    scopes = row.get("scopes")
    if scopes is None:
        scopes = [ALL_SCOPES] if role >= Role.admin else [DEFAULT_SCOPE]
    return Actor(
        name=str(row["name"]),
        role=role,
        teams=tuple(str(t) for t in teams),
        scopes=None if ALL_SCOPES in scopes else frozenset(str(s) for s in scopes),
        id=str(row.get("id") or row["uid"]),
    )


class TokenStore:
    """Creates, revokes and resolves tokens; creating and revoking are audited."""

    def __init__(self, graph: Graph, audit: AuditTrail | None = None) -> None:
        self.graph = graph
        self.audit = audit or AuditTrail(graph)

    def create(
        self,
        name: str,
        role: Role,
        team: str | None = None,
        *,
        teams: Sequence[str] = (),
        scopes: Sequence[str] | None = None,
        by: Actor = SYSTEM,
    ) -> str:
        """Create a token and return it; this is the only time the secret is seen. A name is
        used once (a revoked token keeps its name)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.store(token, name, role, team, teams=teams, scopes=scopes, by=by)
        return token

    def store(
        self,
        token: str,
        name: str,
        role: Role,
        team: str | None = None,
        *,
        teams: Sequence[str] = (),
        scopes: Sequence[str] | None = None,
        by: Actor = SYSTEM,
    ) -> Actor:
        token_id = new_token_id()
        record = {
            "id": token_id,
            "name": name,
            "role": role.name,
            "teams": sorted({*teams, *([team] if team else [])}),
            "scopes": token_scopes(role, scopes),
        }

        def work(tx: Tx) -> Audited[None]:
            tx.run(
                q.TOKEN_CREATE,
                uid=uid("system", "ApiToken", token_id),
                token_hash=hash_token(token),
                at=utcnow(),
                **record,
            )
            return Audited(None, None, record)

        try:
            self.audit.change(by, "token.create", name, work)
        except GraphConstraintError as exc:
            raise ConflictError(f"a token named {name!r} exists already") from exc
        return self.authenticate(token)

    def ensure_bootstrap_admin(self, token: str) -> bool:
        """Store ``token`` as an admin token when no usable admin token exists; True if stored."""
        if int(self.graph.read_value(q.TOKEN_COUNT_ADMIN) or 0) > 0:
            return False
        if self.graph.read_one(q.TOKEN_BY_HASH, token_hash=hash_token(token)) is not None:
            return False  # the bootstrap token itself was revoked: it stays revoked
        name = "bootstrap-admin"
        n = 1
        while self.graph.read_one(q.TOKEN_BY_NAME, name=name) is not None:
            n += 1
            name = f"bootstrap-admin-{n}"
        self.store(token, name, Role.admin)
        return True

    def authenticate(self, token: str | None) -> Actor:
        if not token:
            raise AuthenticationError("no bearer token given")
        return self.authenticate_hash(hash_token(token))

    def authenticate_hash(self, token_hash: str) -> Actor:
        """The actor of the token whose :func:`hash_token` is ``token_hash`` (what a web
        session keeps instead of the secret), looked up now: a revoked token is refused."""
        row = self.graph.read_one(q.TOKEN_BY_HASH, token_hash=token_hash)
        if row is None:
            raise AuthenticationError("unknown token")
        if row.get("revoked_at") is not None:
            raise AuthenticationError("token revoked")
        return actor_of(row)

    def revoke(self, name: str, by: Actor) -> dict[str, Any]:
        """Revoke the token called ``name``: refused from the next request on (audited).
        Revoking a revoked token is a conflict."""
        row = self.graph.read_one(q.TOKEN_BY_NAME, name=name)
        if row is None:
            raise NotFoundError(f"token {name!r} not found")
        if row.get("revoked_at") is not None:
            raise ConflictError(f"token {name!r} is revoked already")
        token_id = str(row.get("id") or row["uid"])

        def work(tx: Tx) -> Audited[dict[str, Any]]:
            found = tx.run_one(q.TOKEN_REVOKE, name=name, by=by.name, at=utcnow())
            if found is None:
                raise ConflictError(f"token {name!r} is revoked already")
            after = {**jsonable_dict(found["t"]), "id": token_id}
            return Audited(after, {"id": token_id, "name": name, "revoked_at": None}, after)

        done = self.audit.change(by, "token.revoke", name, work)
        if done.result is not None:
            return done.result
        return self.get(name)

    def get(self, name: str) -> dict[str, Any]:
        for t in self.all():
            if t["name"] == name:
                return t
        raise NotFoundError(f"token {name!r} not found")

    def all(self) -> list[dict[str, Any]]:
        return [jsonable_dict(r["t"]) for r in self.graph.read(q.TOKEN_LIST)]
