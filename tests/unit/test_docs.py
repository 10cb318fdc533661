"""Every name the code registers is documented, and the docs name nothing the code lacks (as
datasette's ``test_docs.py`` walks its own registries; no server).

Each registry has its page: engine features in ``docs/ranking.md``, settings (as ``RCAGRAPH_*``
variables) in ``docs/settings.md``, API routes in the endpoint table of ``docs/api.md``, the web
workspace's pages (``/ui``) in the page table of ``docs/workspace.md``, CLI
commands in ``docs/cli.md``, loaders (kind and file patterns) in the per-file table of
``docs/formats.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import typer
from fastapi.routing import APIRoute

from rcagraph.api.app import create_app
from rcagraph.cli.main import app as cli_app
from rcagraph.core import RcaGraph
from rcagraph.engine.features import FEATURE_NAMES
from rcagraph.loaders.registry import default_loaders
from rcagraph.settings import Settings
from rcagraph.workspace import PAGE_ROUTERS

DOCS = Path(__file__).resolve().parents[2] / "docs"
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _code_names(cell: str) -> list[str]:
    """The backticked names of a table cell: "`a`, `b`" → ["a", "b"]."""
    return re.findall(r"`([^`]+)`", cell)


# --- engine features ----------------------------------------------------------------------


def _documented_features() -> set[str]:
    """The names in the first column of ranking.md's feature tables."""
    names: set[str] = set()
    for cell in re.findall(r"^\| (`[a-z_]+`(?:, `[a-z_]+`)*) \|", _page("ranking.md"), re.M):
        names.update(_code_names(cell))
    return names


def test_every_engine_feature_is_documented() -> None:
    missing = [name for name in FEATURE_NAMES if name not in _documented_features()]
    assert missing == [], f"features without a row in docs/ranking.md: {missing}"


def test_the_feature_tables_name_only_real_features() -> None:
    unknown = sorted(_documented_features() - set(FEATURE_NAMES))
    assert unknown == [], f"docs/ranking.md documents features the engine lacks: {unknown}"


# --- settings -------------------------------------------------------------------------------


def _documented_settings() -> set[str]:
    return set(re.findall(r"^\| `RCAGRAPH_([A-Z0-9_]+)` \|", _page("settings.md"), re.M))


def test_every_setting_is_documented_as_its_environment_variable() -> None:
    prefix = Settings.model_config.get("env_prefix")
    assert prefix == "RCAGRAPH_"
    missing = [
        f"RCAGRAPH_{field.upper()}"
        for field in Settings.model_fields
        if field.upper() not in _documented_settings()
    ]
    assert missing == [], f"settings without a row in docs/settings.md: {missing}"


def test_the_settings_page_names_only_real_settings() -> None:
    fields = {field.upper() for field in Settings.model_fields}
    unknown = sorted(f"RCAGRAPH_{name}" for name in _documented_settings() - fields)
    assert unknown == [], f"docs/settings.md documents variables Settings lacks: {unknown}"


# --- API routes -----------------------------------------------------------------------------

_METHODS = "|".join(HTTP_METHODS)
#: a row of api.md's endpoint table: "| GET/POST /path[/{n}]?query, /other | role | what |"
_ENDPOINT_ROW = re.compile(
    rf"^\| ((?:{_METHODS})(?:/(?:{_METHODS}))*) (/(?:[^|\\]|\\\|)*?) \|", re.M
)


def _route(method: str, path: str) -> tuple[str, str]:
    """A route with its path parameters unnamed: ``{incident_id}`` and ``{id}`` compare equal."""
    return method, re.sub(r"\{[^}]*\}", "{}", path)


def _documented_routes() -> set[tuple[str, str]]:
    routes: set[tuple[str, str]] = set()
    for methods, paths in _ENDPOINT_ROW.findall(_page("api.md")):
        for written in paths.split(", "):
            path = re.sub(r"\[[?&][^\]]*\]", "", written)  # optional query parameters
            path = path.split("?", 1)[0]
            # an optional segment documents both routes: /versions[/{n}]
            variants = {re.sub(r"\[[^\]]*\]", "", path), re.sub(r"\[([^\]]*)\]", r"\1", path)}
            for method in methods.split("/"):
                routes.update(_route(method, variant) for variant in variants)
    return routes


def _app_routes() -> set[tuple[str, str]]:
    """Every (method, path) of the app's OpenAPI schema, built without a server: the driver is
    created lazily and never connects, and nothing in ``create_app`` reads the graph when no
    bootstrap admin token is set."""
    settings = Settings(
        neo4j_uri="bolt://127.0.0.1:9", neo4j_password="unused", bootstrap_admin_token=None
    )
    driver = neo4j.GraphDatabase.driver(settings.neo4j_uri, auth=("neo4j", "unused"))
    try:
        schema: dict[str, Any] = create_app(RcaGraph(driver, settings)).openapi()
    finally:
        driver.close()
    return {
        _route(method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method.upper() in HTTP_METHODS
    }


def test_every_api_route_is_in_the_endpoint_table() -> None:
    missing = sorted(_app_routes() - _documented_routes())
    assert missing == [], f"routes without a row in docs/api.md: {missing}"


def test_the_endpoint_table_names_only_real_routes() -> None:
    unknown = sorted(_documented_routes() - _app_routes())
    assert unknown == [], f"docs/api.md documents routes the app lacks: {unknown}"


# --- workspace pages ------------------------------------------------------------------------


def _documented_routes_of(page: str) -> set[tuple[str, str]]:
    routes: set[tuple[str, str]] = set()
    for methods, paths in _ENDPOINT_ROW.findall(_page(page)):
        for written in paths.split(", "):
            path = written.split("?", 1)[0]
            routes.update(_route(method, path) for method in methods.split("/"))
    return routes


def _workspace_routes() -> set[tuple[str, str]]:
    """Every (method, path) of the workspace's page routers (``PAGE_ROUTERS``, what
    ``install`` adds to the app; the pages are not in the OpenAPI schema)."""
    return {
        _route(method, route.path)
        for router in PAGE_ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
        if method in HTTP_METHODS
    }


def test_every_workspace_page_is_in_the_page_table() -> None:
    routes = _workspace_routes()
    assert ("GET", "/ui/incidents/{}") in routes  # really read
    missing = sorted(routes - _documented_routes_of("workspace.md"))
    assert missing == [], f"workspace routes without a row in docs/workspace.md: {missing}"


def test_the_page_table_names_only_real_workspace_routes() -> None:
    unknown = sorted(_documented_routes_of("workspace.md") - _workspace_routes())
    assert unknown == [], f"docs/workspace.md documents pages the workspace lacks: {unknown}"


# --- CLI commands ---------------------------------------------------------------------------


def _commands(command: Any, path: list[str]) -> Iterator[str]:
    """``rcagraph``, ``rcagraph db``, ``rcagraph db start``, …: every visible command."""
    if getattr(command, "hidden", False):
        return
    yield " ".join(path)
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, [*path, name])


def test_every_cli_command_is_documented() -> None:
    text = _page("cli.md")
    commands = list(_commands(typer.main.get_command(cli_app), ["rcagraph"]))
    assert "rcagraph forecast generate" in commands  # the walk reaches nested commands
    missing = [c for c in commands if not re.search(re.escape(c) + r"(?![\w-])", text)]
    assert missing == [], f"commands docs/cli.md does not mention: {missing}"


# --- loaders --------------------------------------------------------------------------------


def _per_file_rows() -> list[tuple[list[str], str]]:
    """(file patterns, kind) of each row of formats.md's per-file table."""
    text = _page("formats.md")
    table = text.split("## Per file", 1)[1].split("\n## ", 1)[0]
    return [
        (_code_names(files), kind.strip("`"))
        for files, kind in re.findall(r"^\| ([^|]+) \| (`[a-z_]+`|—) \|", table, re.M)
    ]


def test_every_loader_kind_and_file_pattern_is_documented() -> None:
    rows = _per_file_rows()
    documented = {(pattern, kind) for patterns, kind in rows for pattern in patterns}
    missing = [
        (pattern, loader.kind)
        for loader in default_loaders()
        for pattern in loader.patterns
        if (pattern, loader.kind) not in documented
    ]
    assert missing == [], f"(pattern, kind) without a row in docs/formats.md: {missing}"


def test_the_per_file_table_names_only_real_loader_kinds() -> None:
    kinds = {loader.kind for loader in default_loaders()}
    unknown = sorted({kind for _, kind in _per_file_rows() if kind != "—"} - kinds)
    assert unknown == [], f"docs/formats.md names loader kinds that do not exist: {unknown}"
