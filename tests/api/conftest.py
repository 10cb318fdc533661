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
    store = TokenStore(rca.graph)
    tokens = {
        "viewer": store.create("vera", Role.viewer),
        "responder": store.create("rui", Role.responder),
        "responder2": store.create("rita", Role.responder, team="payments"),
        "reviewer": store.create("rob", Role.reviewer, team="web"),
        "owner_reviewer": store.create("olga", Role.reviewer, team="payments"),
        "admin": store.create("ada", Role.admin),
    }
    with TestClient(create_app(rca), raise_server_exceptions=False) as client:
        yield Api(client, rca, tokens)
