"""Versioned, idempotent migrations that apply the graph model's constraints and indexes.

Each migration is a fixed list of literal DDL statements (never generated at run time, so a
released migration never changes). ``rcagraph schema apply`` runs those not yet recorded and
records each as a ``(:SchemaMigration {version})`` node; running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import LiteralString

from rcagraph.errors import SchemaError
from rcagraph.graph import Graph, Query


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: tuple[LiteralString, ...]


_BASE: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT component_uid IF NOT EXISTS FOR (n:Component) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX component_scope IF NOT EXISTS FOR (n:Component) ON (n.scope)",
    "CREATE INDEX component_name IF NOT EXISTS FOR (n:Component) ON (n.name)",
    "CREATE CONSTRAINT team_uid IF NOT EXISTS FOR (n:Team) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX team_scope IF NOT EXISTS FOR (n:Team) ON (n.scope)",
    "CREATE INDEX team_name IF NOT EXISTS FOR (n:Team) ON (n.name)",
    "CREATE CONSTRAINT system_uid IF NOT EXISTS FOR (n:System) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX system_scope IF NOT EXISTS FOR (n:System) ON (n.scope)",
    "CREATE INDEX system_name IF NOT EXISTS FOR (n:System) ON (n.name)",
    "CREATE CONSTRAINT a_p_i_uid IF NOT EXISTS FOR (n:API) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX a_p_i_scope IF NOT EXISTS FOR (n:API) ON (n.scope)",
    "CREATE INDEX a_p_i_name IF NOT EXISTS FOR (n:API) ON (n.name)",
    "CREATE CONSTRAINT change_uid IF NOT EXISTS FOR (n:Change) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX change_scope IF NOT EXISTS FOR (n:Change) ON (n.scope)",
    "CREATE INDEX change_at IF NOT EXISTS FOR (n:Change) ON (n.at)",
    "CREATE INDEX change_change_id IF NOT EXISTS FOR (n:Change) ON (n.change_id)",
    "CREATE INDEX change_kind IF NOT EXISTS FOR (n:Change) ON (n.kind)",
    "CREATE CONSTRAINT flag_uid IF NOT EXISTS FOR (n:Flag) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX flag_scope IF NOT EXISTS FOR (n:Flag) ON (n.scope)",
    "CREATE INDEX flag_key IF NOT EXISTS FOR (n:Flag) ON (n.key)",
    "CREATE CONSTRAINT log_template_uid IF NOT EXISTS FOR (n:LogTemplate) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX log_template_scope IF NOT EXISTS FOR (n:LogTemplate) ON (n.scope)",
    "CREATE INDEX log_template_template_id IF NOT EXISTS FOR (n:LogTemplate) ON (n.template_id)",
    "CREATE CONSTRAINT log_event_uid IF NOT EXISTS FOR (n:LogEvent) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX log_event_scope IF NOT EXISTS FOR (n:LogEvent) ON (n.scope)",
    "CREATE INDEX log_event_at IF NOT EXISTS FOR (n:LogEvent) ON (n.at)",
    "CREATE CONSTRAINT anomaly_uid IF NOT EXISTS FOR (n:Anomaly) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX anomaly_scope IF NOT EXISTS FOR (n:Anomaly) ON (n.scope)",
    "CREATE INDEX anomaly_at IF NOT EXISTS FOR (n:Anomaly) ON (n.at)",
    "CREATE CONSTRAINT alert_uid IF NOT EXISTS FOR (n:Alert) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX alert_scope IF NOT EXISTS FOR (n:Alert) ON (n.scope)",
    "CREATE INDEX alert_at IF NOT EXISTS FOR (n:Alert) ON (n.at)",
    "CREATE INDEX alert_fingerprint IF NOT EXISTS FOR (n:Alert) ON (n.fingerprint)",
    "CREATE CONSTRAINT incident_uid IF NOT EXISTS FOR (n:Incident) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX incident_scope IF NOT EXISTS FOR (n:Incident) ON (n.scope)",
    "CREATE INDEX incident_id IF NOT EXISTS FOR (n:Incident) ON (n.id)",
    "CREATE INDEX incident_started_at IF NOT EXISTS FOR (n:Incident) ON (n.started_at)",
    "CREATE CONSTRAINT hypothesis_uid IF NOT EXISTS FOR (n:Hypothesis) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX hypothesis_scope IF NOT EXISTS FOR (n:Hypothesis) ON (n.scope)",
    "CREATE CONSTRAINT evidence_uid IF NOT EXISTS FOR (n:Evidence) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX evidence_scope IF NOT EXISTS FOR (n:Evidence) ON (n.scope)",
    "CREATE CONSTRAINT post_mortem_uid IF NOT EXISTS FOR (n:PostMortem) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX post_mortem_scope IF NOT EXISTS FOR (n:PostMortem) ON (n.scope)",
    "CREATE INDEX post_mortem_id IF NOT EXISTS FOR (n:PostMortem) ON (n.id)",
    "CREATE CONSTRAINT post_mortem_version_uid IF NOT EXISTS FOR (n:PostMortemVersion)"
    " REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX post_mortem_version_scope IF NOT EXISTS FOR (n:PostMortemVersion) ON (n.scope)",
    "CREATE CONSTRAINT approval_uid IF NOT EXISTS FOR (n:Approval) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX approval_scope IF NOT EXISTS FOR (n:Approval) ON (n.scope)",
    "CREATE CONSTRAINT action_uid IF NOT EXISTS FOR (n:Action) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX action_scope IF NOT EXISTS FOR (n:Action) ON (n.scope)",
    "CREATE INDEX action_id IF NOT EXISTS FOR (n:Action) ON (n.id)",
    "CREATE INDEX action_status IF NOT EXISTS FOR (n:Action) ON (n.status)",
    "CREATE INDEX action_due IF NOT EXISTS FOR (n:Action) ON (n.due)",
    "CREATE CONSTRAINT verification_uid IF NOT EXISTS FOR (n:Verification) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX verification_scope IF NOT EXISTS FOR (n:Verification) ON (n.scope)",
    "CREATE CONSTRAINT audit_entry_uid IF NOT EXISTS FOR (n:AuditEntry) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX audit_entry_scope IF NOT EXISTS FOR (n:AuditEntry) ON (n.scope)",
    "CREATE INDEX audit_entry_at IF NOT EXISTS FOR (n:AuditEntry) ON (n.at)",
    "CREATE CONSTRAINT api_token_uid IF NOT EXISTS FOR (n:ApiToken) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX api_token_scope IF NOT EXISTS FOR (n:ApiToken) ON (n.scope)",
    "CREATE INDEX api_token_token_hash IF NOT EXISTS FOR (n:ApiToken) ON (n.token_hash)",
    "CREATE CONSTRAINT failure_mode_uid IF NOT EXISTS FOR (n:FailureMode) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX failure_mode_scope IF NOT EXISTS FOR (n:FailureMode) ON (n.scope)",
    "CREATE INDEX failure_mode_key IF NOT EXISTS FOR (n:FailureMode) ON (n.key)",
    "CREATE CONSTRAINT forecast_uid IF NOT EXISTS FOR (n:Forecast) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX forecast_scope IF NOT EXISTS FOR (n:Forecast) ON (n.scope)",
    "CREATE CONSTRAINT load_uid IF NOT EXISTS FOR (n:Load) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX load_scope IF NOT EXISTS FOR (n:Load) ON (n.scope)",
    "CREATE CONSTRAINT schema_migration_uid IF NOT EXISTS FOR (n:SchemaMigration)"
    " REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX schema_migration_scope IF NOT EXISTS FOR (n:SchemaMigration) ON (n.scope)",
)

_EVENTS: tuple[LiteralString, ...] = (
    "CREATE INDEX event_at IF NOT EXISTS FOR (n:Event) ON (n.at)",
    "CREATE INDEX event_scope_at IF NOT EXISTS FOR (n:Event) ON (n.scope, n.at)",
    "CREATE INDEX component_scope_name IF NOT EXISTS FOR (n:Component) ON (n.scope, n.name)",
    "CREATE INDEX change_scope_at IF NOT EXISTS FOR (n:Change) ON (n.scope, n.at)",
    "CREATE INDEX hypothesis_run IF NOT EXISTS FOR (n:Hypothesis) ON (n.run_id)",
)

_CANARY: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT canary_verdict_uid IF NOT EXISTS FOR (n:CanaryVerdict)"
    " REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX canary_verdict_scope IF NOT EXISTS FOR (n:CanaryVerdict) ON (n.scope)",
    "CREATE INDEX canary_verdict_at IF NOT EXISTS FOR (n:CanaryVerdict) ON (n.at)",
)

_TOKENS: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT api_token_name IF NOT EXISTS FOR (n:ApiToken) REQUIRE n.name IS UNIQUE",
)

_NOTES: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT note_uid IF NOT EXISTS FOR (n:Note) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX note_scope IF NOT EXISTS FOR (n:Note) ON (n.scope)",
    "CREATE INDEX note_at IF NOT EXISTS FOR (n:Note) ON (n.at)",
    "CREATE INDEX note_parent_uid IF NOT EXISTS FOR (n:Note) ON (n.parent_uid)",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "base constraints and indexes", _BASE),
    Migration(2, "event time and scoped lookups", _EVENTS),
    Migration(3, "canary verdicts", _CANARY),
    Migration(4, "unique token names", _TOKENS),
    Migration(5, "tickets and chat notes", _NOTES),
)

SCHEMA_VERSION: int = MIGRATIONS[-1].version

_APPLIED = Query(
    "schema.applied_versions",
    "MATCH (m:SchemaMigration) RETURN m.version AS version ORDER BY version",
)
_RECORD = Query(
    "schema.record_migration",
    "MERGE (m:SchemaMigration {uid: 'schema/' + toString($version)}) "
    "ON CREATE SET m.version = $version, m.name = $name, m.applied_at = $at, "
    "m.scope = 'system'",
)


def applied_versions(graph: Graph) -> list[int]:
    return [int(r["version"]) for r in graph.read(_APPLIED)]


def schema_version(graph: Graph) -> int:
    """The newest migration recorded in the graph (0 for an empty graph)."""
    versions = applied_versions(graph)
    return max(versions) if versions else 0


def apply_migrations(graph: Graph) -> list[Migration]:
    """Apply the migrations not yet recorded; return those applied now."""
    done = set(applied_versions(graph))
    newest = max(done) if done else 0
    if newest > SCHEMA_VERSION:
        raise SchemaError(
            f"the graph has schema version {newest}, newer than this rcagraph knows "
            f"({SCHEMA_VERSION}); upgrade rcagraph"
        )
    applied: list[Migration] = []
    for migration in MIGRATIONS:
        if migration.version in done:
            continue
        for statement in migration.statements:
            graph.write(Query(f"schema.v{migration.version}", statement))
        graph.write(
            _RECORD,
            version=migration.version,
            name=migration.name,
            at=datetime.now(UTC),
        )
        applied.append(migration)
    return applied


def require_schema(graph: Graph) -> None:
    """Raise :class:`SchemaError` unless the graph's schema is current."""
    current = schema_version(graph)
    if current < SCHEMA_VERSION:
        raise SchemaError(
            f"the graph's schema is at version {current}, this rcagraph needs "
            f"{SCHEMA_VERSION}: run `rcagraph schema apply`"
        )
