from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from rcagraph.errors import InputError, RcaGraphError, ServerStartError
from rcagraph.ids import bundle_scope, digest, uid
from rcagraph.schema.migrations import MIGRATIONS
from rcagraph.schema.model import MODEL, RELS
from rcagraph.server.config import choose_port, free_port, port_is_free, render_conf
from rcagraph.server.java import java_major_version
from rcagraph.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "graph-model.md"


def test_input_error_names_file_line_and_field() -> None:
    err = InputError("not a number", file="metrics/a.csv", line=12, field="value")
    assert str(err) == "metrics/a.csv, line 12, field 'value': not a number"
    assert isinstance(err, RcaGraphError)


def test_server_start_error_carries_log_tail() -> None:
    err = ServerStartError("died", "boom at line 3")
    assert "boom at line 3" in str(err)
    assert err.log_tail == "boom at line 3"


def test_uid_is_stable_and_scoped() -> None:
    assert uid("default", "Component", "cart") == uid("default", "Component", "cart")
    assert uid("default", "Component", "cart") != uid(bundle_scope("INC-1"), "Component", "cart")
    long = uid("s", "Change", "x" * 500)
    assert len(long) < 100
    assert digest("a", "b") != digest("ab")


def test_every_label_has_a_uid_constraint_and_scope_index() -> None:
    statements = " ".join(s for m in MIGRATIONS for s in m.statements)
    for label in MODEL:
        assert re.search(rf"FOR \(n:{label}\) REQUIRE n.uid IS UNIQUE", statements), label
        assert re.search(rf"FOR \(n:{label}\) ON \(n.scope\)", statements), label


def test_migration_versions_increase() -> None:
    versions = [m.version for m in MIGRATIONS]
    assert versions == sorted(set(versions))
    assert versions[0] == 1


def test_graph_model_is_documented() -> None:
    text = DOCS.read_text()
    for label, node in MODEL.items():
        assert f"`:{label}`" in text, f"label {label} missing from docs/graph-model.md"
        for prop in node.properties:
            assert f"`{prop}`" in text, f"property {label}.{prop} missing from the docs"
    for rel in RELS:
        assert f"`:{rel.type}`" in text, f"relationship {rel.type} missing from the docs"


def test_relationships_connect_known_labels() -> None:
    for rel in RELS:
        for label in (*rel.start, *rel.end):
            assert label in MODEL, (rel.type, label)


def test_conf_is_loopback_only_and_sized() -> None:
    conf = render_conf(
        data_dir=Path("/d"),
        logs_dir=Path("/l"),
        plugins_dir=Path("/p"),
        run_dir=Path("/r"),
        bolt_port=7999,
        http_port=7998,
        pagecache="512m",
        apoc=True,
    )
    assert "server.default_listen_address=127.0.0.1" in conf
    assert "server.bolt.listen_address=127.0.0.1:7999" in conf
    assert "server.memory.pagecache.size=512m" in conf
    assert "dbms.usage_report.enabled=false" in conf
    assert "0.0.0.0" not in conf


def test_choose_port_takes_another_when_taken_unless_strict() -> None:
    import socket

    from rcagraph.errors import PortInUseError

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        taken = sock.getsockname()[1]
        assert not port_is_free(taken)
        other = choose_port(taken, strict=False)
        assert other != taken
        with pytest.raises(PortInUseError, match=str(taken)):
            choose_port(taken, strict=True)
    assert port_is_free(free_port())


def test_java_missing_is_a_clear_error() -> None:
    from rcagraph.errors import JavaMissingError

    with pytest.raises(JavaMissingError, match="Java was not found"):
        java_major_version("no-such-java-binary")


def test_java_17_or_newer_is_present() -> None:
    assert java_major_version("java") >= 17


def test_settings_read_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RCAGRAPH_NEO4J_URI", "bolt://db.example:7687")
    monkeypatch.setenv("RCAGRAPH_BATCH_SIZE", "123")
    s = Settings()
    assert s.neo4j_uri == "bolt://db.example:7687"
    assert not s.managed
    assert s.batch_size == 123


def test_committed_ontology_matches_the_model() -> None:
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from rcagraph.rdf.ontology import build_ontology

    committed = Graph().parse(DOCS.parent / "ontology.ttl", format="turtle")
    assert isomorphic(committed, build_ontology()), "regenerate: rcagraph export ontology"


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_launchdarkly_secret_is_a_configuration_error(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RCAGRAPH_LAUNCHDARKLY_WEBHOOK_SECRET", value)
    with pytest.raises(ValidationError, match="LAUNCHDARKLY_WEBHOOK_SECRET is empty"):
        Settings()
