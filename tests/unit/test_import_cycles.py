"""No import cycle among rcagraph's modules at run time.

Every ``import`` of a module counts, wherever it stands (a function-level import runs too, so it
cannot hide a cycle), except those under ``if TYPE_CHECKING:``, which never run. ``from P import
n`` depends on ``P`` and, when ``P.n`` is a module, on ``P.n``; a package's ``__init__`` is a
module of its own (``rcagraph.postmortem``), so a submodule importing names from its package
while the package imports that submodule is a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

SRC = Path(__file__).resolve().parents[2] / "src" / "rcagraph"


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """Every name ``module`` imports at run time (modules and ``module.name`` candidates)."""
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                out.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    package = module.split(".") if is_package else module.split(".")[:-1]
                    package = package[: len(package) - child.level + 1]
                    base = ".".join([*package, *([base] if base else [])])
                out.add(base)
                out.update(f"{base}.{alias.name}" for alias in child.names)
            visit(child)

    visit(tree)
    return out


def import_graph(root: Path) -> nx.DiGraph:
    """Modules of the package at ``root`` and the imports between them."""
    files = {module_name(root, f): f for f in sorted(root.rglob("*.py"))}
    graph = nx.DiGraph()
    for name, path in files.items():
        graph.add_node(name)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for target in imported(tree, name, path.name == "__init__.py"):
            if target in files and target != name:
                graph.add_edge(name, target)
    return graph


def cycles(graph: nx.DiGraph) -> list[list[str]]:
    return sorted(sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1)


def test_no_import_cycle_in_rcagraph() -> None:
    graph = import_graph(SRC)
    assert graph.number_of_nodes() > 50 and graph.number_of_edges() > 100  # really parsed
    found = cycles(graph)
    assert found == [], "import cycles:\n" + "\n".join(map(_describe, found))


def _describe(component: list[str]) -> str:
    edges = nx.find_cycle(import_graph(SRC).subgraph(component))
    path = " → ".join([u for u, _ in edges] + [edges[0][0]])
    return f"{len(component)} modules ({', '.join(component)}), e.g. {path}"


def test_the_check_sees_function_level_imports_and_skips_type_checking(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from pkg.a import A\n")
    (pkg / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\nA = 1\n"
    )
    (pkg / "b.py").write_text("def f():\n    from pkg import a\n    return a\n")
    (pkg / "c.py").write_text("from . import b\n")
    graph = import_graph(pkg)
    assert cycles(graph) == []  # a → b only under TYPE_CHECKING
    assert {("pkg.b", "pkg"), ("pkg.b", "pkg.a"), ("pkg.c", "pkg.b")} <= set(graph.edges)
    (pkg / "a.py").write_text("def g():\n    from pkg.c import b\n    return b\nA = 1\n")
    assert cycles(import_graph(pkg)) == [["pkg", "pkg.a", "pkg.b", "pkg.c"]]
