"""API tokens: random secrets shown once, stored only as sha256 hashes, each with a role."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from typing import Any

import rcagraph.postmortem.queries as q
from rcagraph.errors import AuthenticationError
from rcagraph.graph import Graph
from rcagraph.ids import uid
from rcagraph.postmortem.common import Actor, Role, jsonable, utcnow

TOKEN_PREFIX = "rcg_"  # noqa: S105 (a prefix, not a secret)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    """Creates tokens and resolves a presented token to its :class:`Actor`.

    Resolved tokens are cached for ``cache_s`` seconds (tokens are never changed in place).
    """

    def __init__(self, graph: Graph, cache_s: float = 30.0) -> None:
        self.graph = graph
        self.cache_s = cache_s
        self._cache: dict[str, tuple[float, Actor]] = {}
        self._lock = threading.Lock()

    def create(self, name: str, role: Role, team: str | None = None) -> str:
        """Create a token and return it; this is the only time the secret is seen."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.store(token, name, role, team)
        return token

    def store(self, token: str, name: str, role: Role, team: str | None = None) -> None:
        token_hash = hash_token(token)
        self.graph.write(
            q.TOKEN_CREATE,
            uid=uid("system", "ApiToken", token_hash[:32]),
            name=name,
            token_hash=token_hash,
            role=role.name,
            team=team,
            at=utcnow(),
        )

    def ensure_bootstrap_admin(self, token: str) -> bool:
        """Store ``token`` as an admin token when no admin token exists; True if stored."""
        if int(self.graph.read_value(q.TOKEN_COUNT_ADMIN) or 0) > 0:
            return False
        self.store(token, "bootstrap-admin", Role.admin)
        return True

    def authenticate(self, token: str | None) -> Actor:
        if not token:
            raise AuthenticationError("no bearer token given")
        token_hash = hash_token(token)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(token_hash)
        if hit is not None and now - hit[0] < self.cache_s:
            return hit[1]
        row = self.graph.read_one(q.TOKEN_BY_HASH, token_hash=token_hash)
        if row is None:
            raise AuthenticationError("unknown token")
        actor = Actor(str(row["name"]), Role.parse(str(row["role"])), row.get("team"))
        with self._lock:
            self._cache[token_hash] = (now, actor)
        return actor

    def all(self) -> list[dict[str, Any]]:
        return [jsonable(r["t"]) for r in self.graph.read(q.TOKEN_LIST)]
