"""The layers' import rules, read from the source with ``ast`` (every import statement, also
those inside functions and ``TYPE_CHECKING`` blocks): the engine imports nothing from the
loaders, and ``rcagraph.schema`` is a leaf that imports no layer above it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "rcagraph"

#: what ``rcagraph.schema`` may not import: every layer above it, and the package root (which
#: imports the core object and, through it, everything)
SCHEMA_FORBIDDEN = (
    "rcagraph.engine",
    "rcagraph.loaders",
    "rcagraph.api",
    "rcagraph.cli",
    "rcagraph.postmortem",
    "rcagraph.forecast",
    "rcagraph.rdf",
    "rcagraph.core",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> Iterator[str]:
    """Every module an import statement anywhere in ``source`` names (absolute names;
    ``from a import b`` gives ``a`` and ``a.b``, since ``b`` may be a module)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            yield base
            for alias in node.names:
                yield f"{base}.{alias.name}"


def imports_of(path: Path) -> set[str]:
    return set(
        imported_modules(
            path.read_text(encoding="utf-8"),
            module_name(path),
            is_package=path.name == "__init__.py",
        )
    )


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def modules_under(sub: str) -> list[Path]:
    return sorted((PACKAGE / sub).rglob("*.py"))


def test_the_import_reader_sees_function_level_and_relative_imports() -> None:
    source = (
        "import os\n"
        "def f():\n"
        "    from rcagraph.loaders.metrics import signal_of\n"
        "    return signal_of\n"
        "class C:\n"
        "    def g(self):\n"
        "        import rcagraph.loaders\n"
        "from ..loaders import bundle\n"
        "from . import view\n"
    )
    found = set(imported_modules(source, "rcagraph.engine.features"))
    assert {"os", "rcagraph.loaders.metrics", "rcagraph.loaders"} <= found
    assert {"rcagraph.loaders.bundle", "rcagraph.engine.view"} <= found
    found_in_package = set(imported_modules("from . import x\n", "rcagraph.a", is_package=True))
    assert "rcagraph.a.x" in found_in_package


@pytest.mark.parametrize("path", modules_under("engine"), ids=module_name)
def test_the_engine_imports_nothing_from_the_loaders(path: Path) -> None:
    bad = sorted(m for m in imports_of(path) if within(m, "rcagraph.loaders"))
    assert not bad, f"{module_name(path)} imports {', '.join(bad)}"


@pytest.mark.parametrize("path", modules_under("schema"), ids=module_name)
def test_the_schema_is_a_leaf_layer(path: Path) -> None:
    bad = sorted(
        m
        for m in imports_of(path)
        if m == "rcagraph" or any(within(m, layer) for layer in SCHEMA_FORBIDDEN)
    )
    assert not bad, f"{module_name(path)} imports {', '.join(bad)}"


def test_the_layer_checks_read_the_whole_engine_and_schema() -> None:
    engine = {module_name(p) for p in modules_under("engine")}
    schema = {module_name(p) for p in modules_under("schema")}
    assert {"rcagraph.engine.extract", "rcagraph.engine.features.build"} <= engine
    assert {"rcagraph.schema.model", "rcagraph.schema.signals"} <= schema
