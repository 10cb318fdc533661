"""Redaction before storage: secrets and personal data masked in free text.

Every path where free text enters rcagraph (log bodies, tickets, chat messages, the raw text a
rejection keeps for the quarantine) goes through a :class:`Redactor` before anything reaches
the graph or the raw store. A match is replaced by a mask that keeps its kind (``[email]``,
``[ip]``, ``[jwt]``, …), so a log template or a reader still sees *what* was there, and the
load report counts the masks per kind.

The built-in detectors (:data:`DETECTORS`, applied in this order):

* ``private_key`` — a PEM private key block (``-----BEGIN … PRIVATE KEY-----`` to its end line,
  or to the end of the text when the end line is missing);
* ``jwt`` — a JSON Web Token (three base64url parts, the first two starting ``eyJ``);
* ``aws_key`` — an AWS access key id (``AKIA``/``ASIA`` and 16 upper-case letters or digits);
* ``github_token`` — ``ghp_``/``gho_``/``ghu_``/``ghs_``/``ghr_`` tokens and ``github_pat_``;
* ``slack_token`` — ``xoxb-``/``xoxp-``/``xoxa-``/``xoxr-``/``xoxs-`` tokens;
* ``bearer`` — the credential after ``Bearer`` or ``Basic`` (an ``Authorization`` header);
* ``secret`` — the value of a key naming a secret (``password=…``, ``"api_key": "…"``,
  ``client_secret: …``, ``token=…``): the key is kept, the value masked;
* ``email`` — an e-mail address;
* ``ip`` — an IPv6 address (checked with :mod:`ipaddress`) or a dotted-quad IPv4 address;
* ``card`` — 13 to 19 digits (spaces or dashes between them allowed) that start like a payment
  card (2–6) and pass the Luhn check.

Configured patterns (``RCAGRAPH_REDACT_PATTERNS``, a JSON object of name → regular expression)
run after the built-ins and mask as ``[name]``. ``RCAGRAPH_REDACT_DISABLE`` lists built-in
detectors to switch off. Redaction is idempotent: a mask is never matched again, and the
detectors run until the text no longer changes.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

#: the name a configured pattern may have (it becomes the mask ``[name]``)
PATTERN_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: a mask as the redactor writes it
MASK = re.compile(r"\[[a-z][a-z0-9_]{0,39}\]")
#: the detectors run at most this many times over a text (they settle after one or two)
_MAX_PASSES = 4

Replace = Callable[[re.Match[str]], str | None]


@dataclass(frozen=True, slots=True)
class Detector:
    """One kind of secret: a pattern, and what a match becomes (``None`` from ``replace``:
    not a secret after all, left alone)."""

    name: str
    pattern: re.Pattern[str]
    replace: Replace | None = None

    def mask(self) -> str:
        return f"[{self.name}]"


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _card(m: re.Match[str]) -> str | None:
    digits = re.sub(r"[ -]", "", m.group(0))
    if 13 <= len(digits) <= 19 and digits[0] in "23456" and _luhn(digits):
        return "[card]"
    return None


def _ipv6(m: re.Match[str]) -> str | None:
    text = m.group(0)
    if not any(c.isalnum() for c in text):
        return None
    try:
        ipaddress.IPv6Address(text.split("%", 1)[0])
    except ValueError:
        return None
    return "[ip]"


def _keep_key(mask: str) -> Replace:
    def replace(m: re.Match[str]) -> str:
        return m.group("key") + mask

    return replace


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
#: a value that is already a mask, as a whole value (never masked twice)
_NOT_MASK = r"(?!\[[a-z][a-z0-9_]{0,39}\](?:[\s\"'&,;}\])]|$))"
#: the words that name a secret in a key (not a secret themselves)
_SECRET_WORDS = "|".join(
    (
        r"pass(?:word|wd|phrase)?",
        "pwd",
        "secret",
        "token",
        r"api[_-]?key",
        "apikey",
        r"access[_-]?key",
        r"private[_-]?key",
        r"client[_-]?secret",
        "credentials?",
        r"auth[_-]?token",
        r"session[_-]?id",
        "cookie",
    )
)

DETECTORS: tuple[Detector, ...] = (
    Detector(
        "private_key",
        re.compile(
            r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----(?:.*?-----END[A-Z0-9 ]*PRIVATE KEY-----|.*)",
            re.DOTALL,
        ),
    ),
    Detector("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")),
    Detector("aws_key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    Detector(
        "github_token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b"),
    ),
    Detector("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{8,}")),
    Detector(
        "bearer",
        re.compile(
            r"(?P<key>\b(?:[Bb]earer|BEARER|[Bb]asic|BASIC)\s+)"
            + _NOT_MASK
            + r"[A-Za-z0-9._~+/=-]{8,}"
        ),
        _keep_key("[bearer]"),
    ),
    Detector(
        "secret",
        re.compile(
            r"(?P<key>(?<![A-Za-z0-9_.-])(?:[A-Za-z0-9_.-]*[_.-])?(?:"
            + _SECRET_WORDS
            + r")(?:[_.-][A-Za-z0-9_.-]*)?"
            r"[\"']?\s*[:=]\s*[\"']?)" + _NOT_MASK + r"[^\s\"'&,;}\]]+",
            re.IGNORECASE,
        ),
        _keep_key("[secret]"),
    ),
    Detector(
        "email",
        re.compile(
            r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
        ),
    ),
    Detector(
        "ip",
        re.compile(
            r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|"
            + _OCTET
            + r"(?:\."
            + _OCTET
            + r"){3})?(?:%[\w.]+)?(?![\w:])"
        ),
        _ipv6,
    ),
    Detector("ip", re.compile(r"(?<![\w.])" + _OCTET + r"(?:\." + _OCTET + r"){3}(?!\.?\d)(?!\w)")),
    Detector("card", re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-]?\d)"), _card),
)

#: the names of the built-in detectors, as ``RCAGRAPH_REDACT_DISABLE`` takes them
BUILTIN: tuple[str, ...] = tuple(dict.fromkeys(d.name for d in DETECTORS))


class RedactionConfigError(ValueError):
    """A detector name or a configured pattern that cannot be used."""


def compile_patterns(patterns: Mapping[str, str]) -> tuple[Detector, ...]:
    """Configured name → regular expression pairs as detectors; a bad name or an expression
    that does not compile, or that matches the empty string, is a :class:`RedactionConfigError`."""
    out: list[Detector] = []
    for name, expression in patterns.items():
        if not PATTERN_NAME.match(name):
            raise RedactionConfigError(
                f"redaction pattern name {name!r}: lower-case letters, digits and _, "
                "starting with a letter, at most 40 characters"
            )
        try:
            pattern = re.compile(expression)
        except re.error as exc:
            raise RedactionConfigError(f"redaction pattern {name!r}: {exc}") from exc
        if pattern.fullmatch(""):
            raise RedactionConfigError(f"redaction pattern {name!r} matches the empty text")
        out.append(Detector(name, pattern))
    return tuple(out)


def check_disabled(names: Iterable[str]) -> tuple[str, ...]:
    """The detector names to switch off, each one of :data:`BUILTIN`."""
    out = tuple(n.strip() for n in names if n.strip())
    unknown = sorted(set(out) - set(BUILTIN))
    if unknown:
        raise RedactionConfigError(
            f"unknown redaction detector(s) {', '.join(unknown)}; known: {', '.join(BUILTIN)}"
        )
    return out


@dataclass(frozen=True, slots=True)
class Redactor:
    """Masks the enabled detectors' matches in text; :meth:`redact` also counts them."""

    detectors: tuple[Detector, ...] = DETECTORS

    @classmethod
    def configured(
        cls, disable: Iterable[str] = (), patterns: Mapping[str, str] | None = None
    ) -> Redactor:
        off = set(check_disabled(disable))
        extra = compile_patterns(patterns or {})
        return cls(tuple(d for d in DETECTORS if d.name not in off) + extra)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d.name for d in self.detectors))

    def redact(self, text: str, counts: dict[str, int] | None = None) -> str:
        """``text`` with every match masked; the masks made are added to ``counts`` by kind."""
        if not text or not self.detectors:
            return text
        for _ in range(_MAX_PASSES):
            before = text
            for detector in self.detectors:
                text = _apply(detector, text, counts)
            if text == before:
                break
        return text


def _apply(detector: Detector, text: str, counts: dict[str, int] | None) -> str:
    made = 0

    def sub(m: re.Match[str]) -> str:
        nonlocal made
        whole = m.group(0)
        if MASK.fullmatch(whole):
            return whole
        out = detector.replace(m) if detector.replace is not None else detector.mask()
        if out is None:
            return whole
        made += 1
        return out

    result = detector.pattern.sub(sub, text)
    if made and counts is not None:
        counts[detector.name] = counts.get(detector.name, 0) + made
    return result


#: the redactor with every built-in detector and no configured pattern
DEFAULT_REDACTOR = Redactor()
