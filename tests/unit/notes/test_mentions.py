"""Which components and changes a text mentions (word-bounded names, ids, short shas,
versions with their service, flag keys)."""

from __future__ import annotations

from rcagraph.loaders.notes.mentions import ChangeRef, Mentions

DEPLOY = ChangeRef("d1", "5f8e2c1a-7d43-4b0e-9a61-2c3d4e5f6a7b", "v1.4.2", "cartservice", None)
OTHER = ChangeRef("d2", "0b7c6d5e-1f2a-4b3c-8d9e-0a1b2c3d4e5f", "v1.4.2", "frontend", None)
CONFIG = ChangeRef("c1", "chg-2026-03-01-pool", None, "currencyservice", None)
FLAG = ChangeRef("f1", "4211", None, None, "new-checkout-flow")
SOLO = ChangeRef("d3", "77aa", "2.0.0-rc1", "adservice", None)

INDEX = Mentions.of(
    [
        ("cartservice", "u-cart"),
        ("cart", "u-cart2"),
        ("cart-db", "u-db"),
        ("db", "u-short"),
        ("Frontend", "u-front"),
    ],
    [DEPLOY, OTHER, CONFIG, FLAG, SOLO],
)


def test_component_names_are_whole_words_ignoring_case() -> None:
    assert INDEX.find("CartService is slow; cart-db fine; db too")[0] == ["u-cart", "u-db"]
    assert INDEX.find("the cart page")[0] == ["u-cart2"]
    assert INDEX.find("cartservices and xcart")[0] == []
    assert INDEX.find("frontend (p95)")[0] == ["u-front"]


def test_changes_by_id_short_sha_flag_and_version() -> None:
    assert INDEX.find("deploy 5f8e2c1a went out")[1] == ["d1"]
    assert INDEX.find("5F8E2C1 and 5f8e2c")[1] == ["d1"]  # 7+ hex digits, any case
    assert INDEX.find("change chg-2026-03-01-pool reverted")[1] == ["c1"]
    assert INDEX.find("turned off New-Checkout-Flow")[1] == ["f1"]
    assert INDEX.find("flag 4211")[1] == []  # too short an id to be sure
    # a version shared by two changes needs its service named
    assert INDEX.find("rolled back v1.4.2")[1] == []
    assert INDEX.find("rolled back cartservice v1.4.2")[1] == ["d1"]
    assert INDEX.find("adservice 2.0.0-rc1")[1] == ["d3"]
    assert INDEX.find("2.0.0-rc1 alone")[1] == ["d3"]  # the only change with it
    assert INDEX.find("v1.4.20 or 1.4.2.1")[1] == []


def test_an_empty_scope_mentions_nothing() -> None:
    assert Mentions.of([], []).find("cartservice 5f8e2c1a") == ([], [])
