"""``rcagraph postmortem INCIDENT`` prints a draft; ``rcagraph token create`` makes a token,
``rcagraph token revoke`` revokes one, ``rcagraph token list`` lists them."""

from __future__ import annotations

import json

import typer

from rcagraph.cli.common import console, open_rca
from rcagraph.errors import InputError
from rcagraph.postmortem.common import SYSTEM, Role
from rcagraph.postmortem.render import render_markdown

token_app = typer.Typer(help="API tokens (stored hashed; a token is printed once).")


def postmortem(
    incident: str = typer.Argument(..., help="incident id, e.g. INC-1042"),
    format: str = typer.Option("md", "--format", "-f", help="md or json"),
    scope: str | None = typer.Option(None, help="the incident's scope (default: find it)"),
) -> None:
    """Print a post-mortem draft of INCIDENT generated from the graph (not stored)."""
    with open_rca() as rca:
        if format not in ("md", "json"):
            raise InputError("--format must be md or json", field="format")
        doc = rca.workflow.postmortems.draft(incident, scope)
        text = render_markdown(doc) if format == "md" else json.dumps(doc, indent=2)
        # plain print: no rich markup interpretation of the document's text
        console.print(text, markup=False, highlight=False, soft_wrap=True)


@token_app.command("create")
def create(
    role: str = typer.Option(..., help="viewer, responder, reviewer or admin"),
    name: str = typer.Option(..., help="who holds it (unique; shown in the audit trail)"),
    team: list[str] = typer.Option(
        [], help="a team of the holder (repeatable): ownership and owner approvals"
    ),
    scope: list[str] = typer.Option(
        [],
        help="a scope the token may see (repeatable; '*': every scope). Default: every scope "
        "for an admin, the default scope otherwise",
    ),
) -> None:
    """Create an API token and print it once (audited, as the system)."""
    with open_rca() as rca:
        token = rca.workflow.tokens.create(name, Role.parse(role), teams=team, scopes=scope or None)
        console.print(token, markup=False, highlight=False)


@token_app.command("revoke")
def revoke(name: str = typer.Argument(..., help="the token's name")) -> None:
    """Revoke a token: every request with it is refused from now on (audited)."""
    with open_rca() as rca:
        record = rca.workflow.tokens.revoke(name, SYSTEM)
        console.print(f"revoked {record['name']} ({record['id']})", markup=False)


@token_app.command("list")
def list_tokens() -> None:
    """Token ids, names, roles, teams, scopes and revocations (never the secrets)."""
    with open_rca() as rca:
        for t in rca.workflow.tokens.all():
            console.print(json.dumps(t, sort_keys=True), markup=False, highlight=False)
