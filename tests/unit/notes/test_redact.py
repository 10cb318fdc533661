"""The redactor: each detector, configuration, and its properties (no crash, idempotent, a
planted secret never survives)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rcagraph.loaders.redact import (
    BUILTIN,
    DEFAULT_REDACTOR,
    RedactionConfigError,
    Redactor,
    compile_patterns,
)
from rcagraph.settings import Settings
from tests.unit.notes import shapes


@pytest.mark.parametrize(
    ("text", "expected", "kind"),
    [
        ("mail ana.lima@example.com now", "mail [email] now", "email"),
        ("from 10.42.7.19:8080 ok", "from [ip]:8080 ok", "ip"),
        ("v6 2001:db8:85a3::8a2e:370:7334 and ::1", "v6 [ip] and [ip]", "ip"),
        ("fe80::1%eth0 up", "[ip] up", "ip"),
        (f"jwt {shapes.JWT}", "jwt [jwt]", "jwt"),
        (f"key={shapes.AWS_KEY}", "key=[aws_key]", "aws_key"),
        (shapes.GITHUB_TOKEN, "[github_token]", "github_token"),
        ("github_pat_11ABCDEFG0123456789abcdefghij", "[github_token]", "github_token"),
        (shapes.SLACK_TOKEN, "[slack_token]", "slack_token"),
        ("Authorization: Bearer abc.def-ghi_jkl", "Authorization: Bearer [bearer]", "bearer"),
        ("password=hunter22 next", "password=[secret] next", "secret"),
        ('{"db_password": "x y"}', '{"db_password": "[secret] y"}', "secret"),
        ("client_secret: abc;", "client_secret: [secret];", "secret"),
        ("card 4539 1488 0343 6467.", "card [card].", "card"),
        ("card 4539-1488-0343-6467", "card [card]", "card"),
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----!",
            "[private_key]!",
            "private_key",
        ),
        ("-----BEGIN PRIVATE KEY-----\nMIIE cut off", "[private_key]", "private_key"),
    ],
)
def test_each_detector_masks_its_kind(text: str, expected: str, kind: str) -> None:
    counts: dict[str, int] = {}
    assert DEFAULT_REDACTOR.redact(text, counts) == expected
    assert set(counts) == {kind}


@pytest.mark.parametrize(
    "text",
    [
        "ts 1772366400000000000 took 12:30:45",
        "version 1.4.2 of cartservice, build 2026.03.01",
        "4539 1488 0343 6468 fails the Luhn check",
        "1234567890123 starts with 1",
        "mac aa:bb:cc:dd:ee:ff std::vector Foo::Bar",
        "999.1.1.1 is not an address",
        "GetCart served for user 3185 in 12ms",
        "no secrets: password policy updated",
        "bypass=true tokens: 4",
    ],
)
def test_what_is_not_a_secret_is_left_alone(text: str) -> None:
    counts: dict[str, int] = {}
    assert DEFAULT_REDACTOR.redact(text, counts) == text
    assert counts == {}


def test_detectors_can_be_switched_off_and_patterns_added() -> None:
    r = Redactor.configured(["ip"], {"employee_id": r"EMP-\d{6}"})
    counts: dict[str, int] = {}
    out = r.redact("EMP-004211 on 10.0.0.1 mailed a@b.example", counts)
    assert out == "[employee_id] on 10.0.0.1 mailed [email]"
    assert counts == {"employee_id": 1, "email": 1}
    assert "ip" not in r.names and "employee_id" in r.names
    assert Redactor(()).redact("a@b.example") == "a@b.example"


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(RedactionConfigError, match="unknown redaction detector"):
        Redactor.configured(["ipv4"])
    with pytest.raises(RedactionConfigError, match="lower-case"):
        compile_patterns({"Bad Name": "x"})
    with pytest.raises(RedactionConfigError, match="'a'"):
        compile_patterns({"a": "("})
    with pytest.raises(RedactionConfigError, match="empty"):
        compile_patterns({"a": "x*"})


def test_settings_read_the_redaction_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RCAGRAPH_REDACT_DISABLE", '["card"]')
    monkeypatch.setenv("RCAGRAPH_REDACT_PATTERNS", '{"ticket_pin": "PIN-[0-9]{4}"}')
    redactor = Settings().redactor()
    assert "card" not in redactor.names
    assert redactor.redact("PIN-1234 4539 1488 0343 6467") == "[ticket_pin] 4539 1488 0343 6467"
    monkeypatch.setenv("RCAGRAPH_REDACT_DISABLE", '["nope"]')
    with pytest.raises(ValidationError, match="unknown redaction detector"):
        Settings()
    monkeypatch.setenv("RCAGRAPH_REDACT_DISABLE", "[]")
    monkeypatch.setenv("RCAGRAPH_REDACT_PATTERNS", '{"x": "[unclosed"}')
    with pytest.raises(ValidationError, match="redaction pattern 'x'"):
        Settings()
    assert set(BUILTIN) >= {"email", "ip", "card", "jwt", "aws_key", "secret"}


def _luhn_card(prefix: str, body: str) -> str:
    digits = prefix + body
    total = 0
    for i, ch in enumerate(reversed(digits + "0")):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return digits + str((10 - total % 10) % 10)


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
secrets = st.one_of(
    st.builds(
        lambda a, b: f"{a}@{b}.example",
        st.text("abcdefgh.1_-+", min_size=1, max_size=12).filter(lambda s: s[0].isalnum()),
        st.text("abcdefghij", min_size=1, max_size=10),
    ),
    st.builds(
        lambda n: "AKIA" + n, st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16)
    ),
    st.builds(lambda n: "ghp_" + n, st.text(_ALNUM, min_size=36, max_size=40)),
    st.builds(lambda n: "xoxp-" + n, st.text(_ALNUM + "-", min_size=10, max_size=30)),
    st.builds(
        lambda a, b, c: f"eyJ{a}.eyJ{b}.{c}",
        st.text(_ALNUM + "_-", min_size=4, max_size=30),
        st.text(_ALNUM + "_-", min_size=4, max_size=30),
        st.text(_ALNUM + "_-", min_size=0, max_size=30),
    ),
    st.builds(lambda o: ".".join(str(x) for x in o), st.tuples(*[st.integers(0, 255)] * 4)),
    st.builds(lambda g: ":".join(f"{x:x}" for x in g), st.tuples(*[st.integers(0, 65535)] * 8)),
    st.builds(
        _luhn_card,
        st.sampled_from(["4", "51", "37", "6011", "35"]),
        st.text("0123456789", min_size=11, max_size=13),
    ),
)
#: what may stand around a secret in a log line or a message
around = st.text(
    alphabet=st.sampled_from(list(" \n\t,;()[]<>\"'|!?") + list("the cart is slow")), max_size=20
)


@settings(max_examples=300, deadline=None)
@given(before=around, secret=secrets, after=around)
def test_a_planted_secret_never_survives(before: str, secret: str, after: str) -> None:
    def pad(s: str, left: bool) -> str:
        # a word character or a digit touching the secret makes it another word
        return s + " " if left else " " + s

    text = pad(before, True) + secret + pad(after, False)
    assert secret not in DEFAULT_REDACTOR.redact(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_redaction_never_crashes_and_is_idempotent(text: str) -> None:
    once = DEFAULT_REDACTOR.redact(text)
    assert DEFAULT_REDACTOR.redact(once) == once


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(secrets, st.text("abc .:-=@/1", max_size=12)), max_size=8))
def test_redaction_is_idempotent_on_secret_rich_text(parts: list[str]) -> None:
    text = " ".join(parts)
    once = DEFAULT_REDACTOR.redact(text)
    assert DEFAULT_REDACTOR.redact(once) == once
