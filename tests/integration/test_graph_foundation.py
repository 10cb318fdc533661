from __future__ import annotations

import pytest

from rcagraph.core import RcaGraph
from rcagraph.errors import GraphConstraintError, GraphQueryError
from rcagraph.graph import Query
from rcagraph.schema.migrations import SCHEMA_VERSION, apply_migrations, require_schema

SHOW_CONSTRAINTS = Query(
    "t.constraints", "SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties RETURN *"
)
SHOW_INDEXES = Query("t.indexes", "SHOW INDEXES YIELD name, labelsOrTypes, properties RETURN *")
MERGE_COMPONENTS = Query(
    "t.merge_components",
    "UNWIND $rows AS row MERGE (c:Component {uid: row.uid}) SET c.name = row.name, "
    "c.scope = row.scope",
)
CREATE_COMPONENT = Query("t.create", "CREATE (:Component {uid: $uid, scope: 'x'})")


def _names(rows: list[dict[str, object]]) -> list[str]:
    return sorted(str(r["name"]) for r in rows)


def test_server_is_neo4j_5_26(rca: RcaGraph) -> None:
    info = rca.server_info()
    assert str(info["version"]).startswith("5.26.")


def test_schema_apply_twice_leaves_same_constraints_and_indexes(rca: RcaGraph) -> None:
    before_c = _names(rca.graph.read(SHOW_CONSTRAINTS))
    before_i = _names(rca.graph.read(SHOW_INDEXES))
    assert rca.apply_schema() == []  # already applied at session start
    assert apply_migrations(rca.graph) == []
    assert _names(rca.graph.read(SHOW_CONSTRAINTS)) == before_c
    assert _names(rca.graph.read(SHOW_INDEXES)) == before_i
    assert "component_uid" in before_c
    assert rca.schema_version() == SCHEMA_VERSION
    require_schema(rca.graph)


def test_batched_merge_is_idempotent(rca: RcaGraph) -> None:
    rows = [{"uid": f"s|Component|svc{i}", "name": f"svc{i}", "scope": "s"} for i in range(250)]
    first = rca.graph.write_batches(MERGE_COMPONENTS, rows, batch_size=100)
    assert (first.rows, first.nodes_created) == (250, 250)
    again = rca.graph.write_batches(MERGE_COMPONENTS, rows, batch_size=100)
    assert (again.rows, again.nodes_created) == (250, 0)
    assert rca.counts("s")["nodes"] == {"Component": 250}


def test_uid_constraint_is_enforced_and_translated(rca: RcaGraph) -> None:
    rca.graph.write(CREATE_COMPONENT, uid="dup")
    with pytest.raises(GraphConstraintError, match=r"t\.create"):
        rca.graph.write(CREATE_COMPONENT, uid="dup")


def test_bad_cypher_is_translated(rca: RcaGraph) -> None:
    with pytest.raises(GraphQueryError, match=r"t\.bad"):
        rca.graph.read(Query("t.bad", "MATCH (n RETURN n"))


def test_delete_scope_leaves_other_scopes(rca: RcaGraph) -> None:
    rows = [
        {"uid": "a|Component|x", "name": "x", "scope": "a"},
        {"uid": "b|Component|x", "name": "x", "scope": "b"},
    ]
    rca.graph.write_batches(MERGE_COMPONENTS, rows)
    rca.delete_scope("a")
    assert rca.counts("a")["nodes"] == {}
    assert rca.counts("b")["nodes"] == {"Component": 1}


def test_each_test_starts_empty(rca: RcaGraph) -> None:
    assert rca.counts()["nodes"] == {
        "SchemaMigration": len(rca.graph.read(Query("t.m", "MATCH (m:SchemaMigration) RETURN m")))
    }
