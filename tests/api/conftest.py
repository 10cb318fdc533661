"""API tests: the app over the real Neo4j (``rca`` fixture), a token per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from rcagraph.api import create_app
from rcagraph.core import RcaGraph
from rcagraph.postmortem.common import Role
from rcagraph.postmortem.tokens import TokenStore


@dataclass
class Api:
    client: TestClient
    rca: RcaGraph
    tokens: dict[str, str]

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def api(rca: RcaGraph) -> Iterator[Api]:
    """Tokens that see every scope (scoped tokens are made by the tests about scopes); the
    responders and reviewers in the teams of the seeded catalog (tests/api/seed.py)."""
    store = TokenStore(rca.graph)
    every = ["*"]
    tokens = {
        "viewer": store.create("vera", Role.viewer, scopes=every),
        "responder": store.create("rui", Role.responder, team="web", scopes=every),
        "responder2": store.create("rita", Role.responder, team="payments", scopes=every),
        "reviewer": store.create("rob", Role.reviewer, team="web", scopes=every),
        "owner_reviewer": store.create("olga", Role.reviewer, team="payments", scopes=every),
        "admin": store.create("ada", Role.admin),
    }
    with TestClient(create_app(rca), raise_server_exceptions=False) as client:
        yield Api(client, rca, tokens)
