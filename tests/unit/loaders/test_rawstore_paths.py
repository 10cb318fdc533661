"""Raw-store paths are collision-free: two scopes or two sources never share a file."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from rcagraph.loaders.rawstore import raw_path, safe_name


def test_scopes_that_sanitise_alike_get_different_folders() -> None:
    base = Path("/data")
    a = raw_path(base, "a:b", "logs", "app.jsonl")
    b = raw_path(base, "a_b", "logs", "app.jsonl")
    assert a != b
    assert b == base / "a_b" / "logs" / "app.jsonl.parquet"  # a safe name is kept as it is
    assert raw_path(base, "s", "logs", "logs/app.jsonl") != raw_path(
        base, "s", "logs", "logs_app.jsonl"
    )


@given(st.text(max_size=40), st.text(max_size=40))
def test_safe_name_is_injective(x: str, y: str) -> None:
    if x != y:
        assert safe_name(x) != safe_name(y)
    assert "/" not in safe_name(x) and safe_name(x) not in ("", ".", "..")
