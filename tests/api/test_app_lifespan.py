"""The app's lifespan (no deprecated ``on_event`` hooks): the worker-thread limit of
``rcagraph serve --threads``, set while the app runs and restored after."""

from __future__ import annotations

import warnings
from typing import Any

import anyio
import anyio.to_thread
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rcagraph.api import create_app
from rcagraph.core import RcaGraph


async def _tokens() -> float:
    return anyio.to_thread.current_default_thread_limiter().total_tokens


def test_lifespan_sets_and_restores_the_thread_limit(rca: RcaGraph) -> None:
    app = create_app(rca, thread_limit=3)

    async def run() -> tuple[float, float, float]:
        before = await _tokens()
        async with app.router.lifespan_context(app):
            during = await _tokens()
        return before, during, await _tokens()

    before, during, after = anyio.run(run)
    assert during == 3 and after == before != 3


def test_app_without_a_thread_limit_keeps_anyios_default(rca: RcaGraph) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        app = create_app(rca)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert client.portal is not None
        assert client.portal.call(_tokens) == 40
    with pytest.raises(ValueError, match="thread_limit"):
        create_app(rca, thread_limit=0)


def test_serve_runs_the_app_with_its_thread_limit(
    neo4j_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rcagraph.cli.main import app as cli

    seen: dict[str, Any] = {}

    def fake_run(app: FastAPI, **kwargs: Any) -> None:
        """Stands in for uvicorn: runs the app's lifespan and one request in-process."""
        seen.update(kwargs)
        with TestClient(app) as client:
            seen["status"] = client.get("/healthz").status_code
            assert client.portal is not None
            seen["tokens"] = client.portal.call(_tokens)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    with warnings.catch_warnings():  # FastAPI's on_event hooks warn as deprecated
        warnings.simplefilter("error", DeprecationWarning)
        result = CliRunner().invoke(cli, ["serve", "--threads", "5", "--port", "8999"])
    assert result.exit_code == 0, result.output
    assert seen["status"] == 200 and seen["tokens"] == 5 and seen["port"] == 8999
