"""Content-Encoding of receiver bodies (``rcagraph.api.routers.ingest.decoded_body``)."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcagraph.api.routers import ingest
from rcagraph.errors import InputError


@given(st.binary(max_size=4096))
def test_gzip_round_trip(body: bytes) -> None:
    assert ingest.decoded_body(gzip.compress(body), "gzip") == body
    assert ingest.decoded_body(body, None) == body
    assert ingest.decoded_body(body, "identity") == body


def test_a_gzip_bomb_stops_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "MAX_BODY", 1000)
    bomb = gzip.compress(b"\0" * 10_000_000)
    assert len(bomb) < 20_000
    with pytest.raises(InputError, match="too large once decompressed") as err:
        ingest.decoded_body(bomb, "gzip")
    assert err.value.field == "Content-Encoding"


def test_bad_truncated_and_unknown_encodings_are_refused_by_name() -> None:
    with pytest.raises(InputError, match="not valid gzip"):
        ingest.decoded_body(b"plainly not gzip", "gzip")
    with pytest.raises(InputError, match="truncated"):
        ingest.decoded_body(gzip.compress(b'{"a": 1}' * 100)[:-12], "gzip")
    with pytest.raises(InputError, match="'br' is not supported"):
        ingest.decoded_body(b"{}", "br")
