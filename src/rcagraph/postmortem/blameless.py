"""The blameless-language checker.

It flags phrasing that blames people ("X's fault", "careless", "should have known",
"human error", a named person followed by a blame verb, …) with its position and a suggested
rewording. It never changes the text: the findings are shown to the editor, who decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    text: str  # the flagged phrase
    start: int  # offset in the string (characters)
    end: int
    message: str
    suggestion: str
    path: str = ""  # JSON pointer of the string within a document

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    message: str
    suggestion: str


_I = re.IGNORECASE
_RULES: tuple[_Rule, ...] = (
    _Rule(
        "fault",
        re.compile(r"\b(?:[\w.@-]+['’]s\s+fault|(?:the\s+)?fault\s+of\s+[\w.@-]+)", _I),
        "assigns fault to a person",
        "describe the condition that allowed the failure (e.g. 'the deploy pipeline did not "
        "block the change')",
    ),
    _Rule(
        "blame",
        re.compile(r"\b(?:to\s+blame|blame[sd]?|blaming)\b", _I),
        "uses the language of blame",
        "state what happened and which safeguard was missing",
    ),
    _Rule(
        "careless",
        re.compile(
            r"\b(?:careless(?:ly|ness)?|negligen(?:t|tly|ce)|reckless(?:ly|ness)?|sloppy|"
            r"lazy|incompeten(?:t|ce)|stupid|dumb|irresponsible)\b",
            _I,
        ),
        "judges a person's character or diligence",
        "describe the gap in tooling or process instead (e.g. 'no check caught this')",
    ),
    _Rule(
        "should_have",
        re.compile(
            r"\b(?:should|could|ought\s+to)\s*(?:have|['’]ve)\s+"
            r"(?:known|noticed|caught|checked|seen|realized|realised|tested)\b",
            _I,
        ),
        "hindsight judgement of a person",
        "describe what information was available at the time (e.g. 'the dashboard did not show …')",
    ),
    _Rule(
        "human_error",
        re.compile(r"\b(?:human|operator|user|engineer|developer)\s+error\b", _I),
        "names a person as the cause",
        "name the system condition that made the mistake possible (e.g. 'a manual step "
        "without validation')",
    ),
    _Rule(
        "forgot",
        re.compile(r"\b(?:he|she|they|someone|somebody|the\s+engineer)\s+(?:forgot|failed)\b", _I),
        "attributes the failure to a person",
        "describe the step the process did not enforce",
    ),
)

#: capitalised words that are not names (sentence starts, pronouns, common nouns)
_NOT_NAMES = frozenset(
    {
        "the",
        "this",
        "that",
        "these",
        "those",
        "a",
        "an",
        "it",
        "we",
        "our",
        "they",
        "he",
        "she",
        "i",
        "you",
        "someone",
        "nobody",
        "everyone",
        "service",
        "system",
        "deploy",
        "deployment",
        "change",
        "config",
        "flag",
        "alert",
        "team",
        "release",
        "rollout",
        "traffic",
        "database",
        "cache",
        "queue",
        "version",
        "nothing",
        "no",
        "one",
        "then",
        "when",
        "after",
        "before",
        "at",
        "on",
        "in",
        "which",
        "what",
        "monitoring",
    }
)
_PERSON_BLAME = re.compile(
    r"(?<![\w.])(@[\w.-]+|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s+"
    r"(broke|messed\s+up|screwed\s+up|forgot(?:\s+to)?|ignored|neglected|"
    r"failed\s+to|botched)\b"
)


def _person_blame(text: str) -> Iterator[Finding]:
    for m in _PERSON_BLAME.finditer(text):
        who = m.group(1)
        first = who.lstrip("@").split()[0].lower()
        if not who.startswith("@") and (
            first in _NOT_NAMES or first.endswith(("ing", "tion", "ment", "ness", "er", "or"))
        ):
            continue
        yield Finding(
            rule="person_blame",
            text=m.group(0),
            start=m.start(),
            end=m.end(),
            message=f"names a person ({who}) as the one who {m.group(2)}",
            suggestion="make the system the subject: what change, what safeguard, what "
            "signal (e.g. 'the change to … was deployed without …')",
        )


def check_text(text: str, path: str = "") -> list[Finding]:
    """Every blaming phrase in ``text``, in order of position."""
    found: list[Finding] = []
    for rule in _RULES:
        for m in rule.pattern.finditer(text):
            found.append(
                Finding(rule.name, m.group(0), m.start(), m.end(), rule.message, rule.suggestion)
            )
    found.extend(_person_blame(text))
    found.sort(key=lambda f: (f.start, f.end, f.rule))
    # keep one finding per overlapping span (the first, longest rule wins)
    kept: list[Finding] = []
    for f in found:
        if kept and f.start < kept[-1].end:
            continue
        kept.append(f)
    if path:
        kept = [Finding(**(asdict(f) | {"path": path})) for f in kept]
    return kept


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def check_document(content: Any, path: str = "") -> list[Finding]:
    """Check every string of a JSON document; findings carry the string's JSON pointer.

    Machine-written reference fields (uids, sources, times) are skipped.
    """
    skip = {"uid", "source", "source_ref", "ref_uid", "at", "node_uid", "change_id", "id"}
    out: list[Finding] = []
    if isinstance(content, str):
        out.extend(check_text(content, path or "/"))
    elif isinstance(content, dict):
        for key, value in content.items():
            if key in skip:
                continue
            out.extend(check_document(value, f"{path}/{_escape(str(key))}"))
    elif isinstance(content, list):
        for i, value in enumerate(content):
            out.extend(check_document(value, f"{path}/{i}"))
    return out
