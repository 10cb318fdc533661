"""Which components and changes a ticket or a chat message mentions.

The rules (``docs/formats.md`` states them for users):

* a **component** is mentioned when its catalog name appears in the text as a word of its own
  (not inside a longer name: ``cart`` is not mentioned by ``cartservice`` nor by ``cart-db``),
  ignoring case; names shorter than 3 characters are never matched;
* a **change** is mentioned by its ``change_id`` (whole, case-sensitive, when at least 6
  characters long), by a prefix of at least 7 hexadecimal digits of a hexadecimal id (a short
  commit sha: ``5f8e2c1`` for ``5f8e2c1a-7d43-…``), by its flag key (flag changes, as a word of
  its own), or by its version (``v1.4.2`` or ``1.4.2``) when the change's service is mentioned
  too or no other change carries that version.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MIN_NAME = 3
MIN_CHANGE_ID = 6
MIN_HEX_PREFIX = 7
_HEX_TOKEN = re.compile(r"(?<![\w-])[0-9a-f]{" + str(MIN_HEX_PREFIX) + r",64}(?![\w])", re.I)


@dataclass(frozen=True, slots=True)
class ChangeRef:
    uid: str
    change_id: str | None
    version: str | None
    service: str | None
    flag_key: str | None


def _words(names: Iterable[str], *, ignore_case: bool) -> re.Pattern[str] | None:
    unique = sorted(set(names), key=lambda n: (-len(n), n))
    if not unique:
        return None
    alternation = "|".join(re.escape(n) for n in unique)
    return re.compile(
        r"(?<![\w-])(?:" + alternation + r")(?![\w-])", re.IGNORECASE if ignore_case else 0
    )


@dataclass(slots=True)
class Mentions:
    """An index of a scope's component names and changes, asked per text with :meth:`find`."""

    components: dict[str, str]  # lower-cased name → uid
    changes: list[ChangeRef]
    _names: re.Pattern[str] | None = None
    _ids: re.Pattern[str] | None = None
    _flags: re.Pattern[str] | None = None
    _versions: re.Pattern[str] | None = None
    _by_id: dict[str, list[str]] = field(default_factory=dict)
    _by_flag: dict[str, list[str]] = field(default_factory=dict)
    _by_version: dict[str, list[ChangeRef]] = field(default_factory=dict)
    _hex_ids: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, components: Iterable[tuple[str, str]], changes: Iterable[ChangeRef]) -> Mentions:
        """From (name, uid) pairs and the changes of a scope."""
        comp = {name.lower(): uid for name, uid in components if len(name) >= MIN_NAME}
        index = cls(comp, list(changes))
        index._names = _words(comp, ignore_case=True)
        for c in index.changes:
            if c.change_id and len(c.change_id) >= MIN_CHANGE_ID:
                index._by_id.setdefault(c.change_id, []).append(c.uid)
                compact = c.change_id.replace("-", "").lower()
                if re.fullmatch(r"[0-9a-f]+", compact):
                    index._hex_ids.append((compact, c.uid))
            if c.flag_key and len(c.flag_key) >= MIN_NAME:
                index._by_flag.setdefault(c.flag_key.lower(), []).append(c.uid)
            if c.version:
                index._by_version.setdefault(c.version.lower().removeprefix("v"), []).append(c)
        index._hex_ids.sort()
        index._ids = _words(index._by_id, ignore_case=False)
        index._flags = _words(index._by_flag, ignore_case=True)
        versions = [v for v in index._by_version if v]
        if versions:
            alternation = "|".join(re.escape(v) for v in sorted(versions, key=lambda v: -len(v)))
            index._versions = re.compile(
                r"(?<![\w.])v?(" + alternation + r")(?![\w]|\.\w)", re.IGNORECASE
            )
        return index

    def find(self, text: str) -> tuple[list[str], list[str]]:
        """The uids of the components and of the changes ``text`` mentions, sorted."""
        components: set[str] = set()
        names: set[str] = set()
        if self._names is not None:
            for m in self._names.finditer(text):
                name = m.group(0).lower()
                names.add(name)
                components.add(self.components[name])
        changes: set[str] = set()
        if self._ids is not None:
            for m in self._ids.finditer(text):
                changes.update(self._by_id[m.group(0)])
        if self._hex_ids:
            for m in _HEX_TOKEN.finditer(text):
                changes.update(self._hex_prefix(m.group(0).lower()))
        if self._flags is not None:
            for m in self._flags.finditer(text):
                changes.update(self._by_flag[m.group(0).lower()])
        if self._versions is not None:
            for m in self._versions.finditer(text):
                candidates = self._by_version.get(m.group(1).lower(), [])
                named = [c for c in candidates if c.service and c.service.lower() in names]
                if named:
                    changes.update(c.uid for c in named)
                elif len(candidates) == 1:
                    changes.add(candidates[0].uid)
        return sorted(components), sorted(changes)

    def _hex_prefix(self, token: str) -> list[str]:
        i = bisect.bisect_left(self._hex_ids, (token, ""))
        out: list[str] = []
        while i < len(self._hex_ids) and self._hex_ids[i][0].startswith(token):
            out.append(self._hex_ids[i][1])
            i += 1
        return out
