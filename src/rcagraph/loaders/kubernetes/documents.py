"""Reading ``kubectl … -o json`` output: one JSON document a file (a ``List``, an
``EventList``, a ``DeploymentList`` …, a JSON array, or one object), several documents one
after another (``kubectl get events --watch -o json`` prints one pretty-printed object per
change), or JSON Lines (one object a line, as an event exporter's file sink writes).

Every object of a list is one item, at the JSON pointer ``/items/<i>`` (``/<i>`` in an array);
with several documents in a file, the line a document starts on comes first (``line 12
/items/0``). A file that is not JSON is one rejection at the line the parser stopped on; the
documents before it still load.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from rcagraph.loaders.base import Rejection
from rcagraph.loaders.records import WHOLE_RECORD, Where, json_limit_reason

_DECODER = json.JSONDecoder()
_WS = " \t\r\n"


@dataclass(frozen=True, slots=True)
class _Doc:
    line: int
    value: object = None
    error: str | None = None


def _documents(text: str) -> Iterator[_Doc]:
    """Each top-level JSON document with the line it starts on; at the first that cannot be
    parsed, a ``_Doc`` with the error (and nothing after it)."""
    pos, line = 0, 1
    while True:
        start = pos
        while pos < len(text) and text[pos] in _WS:
            pos += 1
        line += text.count("\n", start, pos)
        if pos >= len(text):
            return
        try:
            value, end = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield _Doc(exc.lineno, error=f"not valid JSON: {exc.msg} (column {exc.colno})")
            return
        except (RecursionError, ValueError) as exc:
            yield _Doc(line, error=json_limit_reason(exc))
            return
        yield _Doc(line, value)
        line += text.count("\n", pos, end)
        pos = end


def items_of(value: object) -> list[tuple[str, object]] | None:
    """The items of a list document (``kind: …List`` or ``List`` with ``items``, or a JSON
    array) with their pointers; None for a single object."""
    if isinstance(value, list):
        return [(f"/{i}", v) for i, v in enumerate(value)]
    if isinstance(value, Mapping) and isinstance(value.get("items"), list):
        kind = value.get("kind")
        if kind is None or (isinstance(kind, str) and kind.endswith("List")):
            return [(f"/items/{i}", v) for i, v in enumerate(value["items"])]
    return None


def read_objects(path: Path, file: str, kind: str) -> Iterator[tuple[Where, object | Rejection]]:
    """Every object of a kubectl JSON file with where it is, or a Rejection of ``kind``."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield (
            Where(file, pointer=""),
            Where(file, pointer="").reject(kind, f"not UTF-8: {exc.reason}", WHOLE_RECORD),
        )
        return
    docs = list(_documents(text))
    several = len(docs) > 1
    for doc in docs:
        line, value = doc.line, doc.value
        if doc.error is not None:
            where = Where(file, line=line)
            yield where, where.reject(kind, doc.error, WHOLE_RECORD, text[:2000])
            continue
        items = items_of(value)
        if items is None:
            yield (Where(file, line=line) if several else Where(file, pointer="")), value
            continue
        for pointer, item in items:
            yield (
                (
                    Where(file, line=line, pointer=pointer)
                    if several
                    else Where(file, pointer=pointer)
                ),
                item,
            )
