"""Reading records out of bundle files: JSON lines, whole JSON documents, pydantic errors.

Parsers here never raise on bad input: a record that cannot be read becomes a
:class:`~rcagraph.loaders.base.Rejection` naming the file, the line (or JSON pointer) and the
field. Files are streamed line by line, never read whole (JSON documents excepted: alerts,
incident.json and catalog YAML are small by nature).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, BinaryIO, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError

from rcagraph.loaders.base import Rejection
from rcagraph.loaders.limits import MAX_DOCUMENT_BYTES, MAX_KEY_CHARS, MAX_LINE_BYTES
from rcagraph.loaders.timeparse import parse_rfc3339

_RAW_LIMIT = 2000

M = TypeVar("M", bound=BaseModel)


def _rfc3339(value: object) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("timestamp has no zone offset (never taken as local time)")
        return value
    return parse_rfc3339(value)


#: an RFC 3339 timestamp with an explicit offset; zone-less is a validation error
Timestamp = Annotated[datetime, BeforeValidator(_rfc3339)]
#: an id, fingerprint or name stored in an index-backed property: bounded (Neo4j's index
#: refuses a long value, and the whole write with it)
Key = Annotated[str, StringConstraints(max_length=MAX_KEY_CHARS)]


class Record(BaseModel):
    """Base of the record shapes: unknown fields are ignored, as the formats require."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)


#: the field a rejection names when the record as a whole cannot be read
WHOLE_RECORD = "$"


@dataclass(slots=True)
class Where:
    """Where a record sits: the file (relative to the bundle) and a line or a JSON pointer."""

    file: str
    line: int | None = None
    pointer: str | None = None

    @property
    def ref(self) -> str:
        if self.line is not None:
            return f"line {self.line}" + (f" {self.pointer}" if self.pointer else "")
        return self.pointer or ""

    def reject(self, kind: str, reason: str, field: str | None = None, raw: str = "") -> Rejection:
        return Rejection(
            kind=kind,
            file=self.file,
            reason=reason,
            line=self.line,
            pointer=self.pointer,
            field=field,
            raw=raw[:_RAW_LIMIT],
        )


class RecordError(Exception):
    """Raised inside a parser for one record; carries the field it is about."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


def bounded_key(value: str, field: str) -> str:
    """``value``, a name or id that goes into an index-backed property, if it is at most
    ``MAX_KEY_CHARS`` characters; else a RecordError naming ``field`` (Neo4j's index would
    refuse the whole write)."""
    if len(value) > MAX_KEY_CHARS:
        raise RecordError(f"longer than {MAX_KEY_CHARS} characters", field=field)
    return value


class RecordSkipped(Exception):  # noqa: N818 (not an error: a valid record, unused)
    """Raised inside a parser for a valid record that rcagraph does not use; the loader counts
    it as skipped with ``reason`` (see :meth:`rcagraph.loaders.base.LoadContext.skip`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def loc_path(loc: Sequence[int | str]) -> str:
    """A pydantic error location as a dotted field path (``alerts.3.startsAt``)."""
    return ".".join(str(p) for p in loc) if loc else ""


def validation_error(exc: ValidationError, prefix: str = "") -> RecordError:
    """The first error of a pydantic ``ValidationError`` as a RecordError naming its field."""
    err = exc.errors(include_url=False)[0]
    path = loc_path(err["loc"])
    field = f"{prefix}.{path}" if prefix and path else (prefix or path or None)
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if err["type"] == "missing":
        msg = "required field is missing"
    return RecordError(msg, field=field)


def validate(model: type[M], data: object, prefix: str = "") -> M:
    """Validate ``data`` as ``model``, raising :class:`RecordError` with the field path."""
    if not isinstance(data, Mapping):
        raise RecordError(
            f"expected a JSON object, got {type(data).__name__}", field=prefix or WHOLE_RECORD
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, prefix) from None


def iter_jsonl(path: Path, file: str, kind: str) -> Iterator[tuple[Where, str, object | Rejection]]:
    """Stream a JSON-lines file: ``(where, raw line, parsed value or Rejection)`` per line.

    Blank lines are skipped. A line that is not UTF-8 or not JSON, or is longer than
    ``MAX_LINE_BYTES``, is rejected as a record of ``kind`` whose field is the whole record
    (``$``), not fatal.
    """
    with path.open("rb") as fh:
        for number, raw_bytes in enumerate(bounded_lines(fh), start=1):
            where = Where(file, line=number)
            if raw_bytes is None:
                yield where, "", where.reject(kind, LINE_TOO_LONG, WHOLE_RECORD)
                continue
            try:
                raw = raw_bytes.decode("utf-8")
            except UnicodeDecodeError as exc:
                text = raw_bytes.decode("utf-8", errors="replace")
                yield (
                    where,
                    text,
                    where.reject(kind, f"not UTF-8: {exc.reason}", WHOLE_RECORD, text),
                )
                continue
            if not raw.strip():
                continue
            try:
                value: object = json.loads(raw)
            except json.JSONDecodeError as exc:
                yield (
                    where,
                    raw,
                    where.reject(
                        kind,
                        f"not valid JSON: {exc.msg} (column {exc.colno})",
                        WHOLE_RECORD,
                        raw,
                    ),
                )
                continue
            except (RecursionError, ValueError) as exc:
                yield (
                    where,
                    raw,
                    where.reject(kind, json_limit_reason(exc), WHOLE_RECORD, raw),
                )
                continue
            yield where, raw, value


#: the reason of a line over ``MAX_LINE_BYTES``
LINE_TOO_LONG = f"the line is longer than {MAX_LINE_BYTES} bytes"


def bounded_lines(fh: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[bytes | None]:
    """The lines of a binary file, each at most ``limit`` bytes read at a time: a longer line is
    skipped to its end (never held whole) and given as ``None``."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or (line.endswith(b"\n") and len(line) == limit + 1):
            yield line
            continue
        while line and not line.endswith(b"\n"):
            line = fh.readline(limit + 1)
        yield None


#: the text :func:`csv_lines` gives in place of a line over ``MAX_LINE_BYTES`` (a CSV row of
#: this one cell is that line; it cannot come from UTF-8 text, being a non-character)
OVERLONG_LINE = "\ufffe" + "line too long"


def csv_lines(fh: BinaryIO) -> Iterator[str]:
    """The text lines of a CSV file for :mod:`csv` (undecodable bytes replaced), a line over
    ``MAX_LINE_BYTES`` given as :data:`OVERLONG_LINE` (a row of that one cell)."""
    for line in bounded_lines(fh):
        yield OVERLONG_LINE + "\n" if line is None else line.decode("utf-8", errors="replace")


def read_json_document(path: Path, file: str, kind: str) -> object | Rejection:
    """A whole JSON file (small documents only), or a Rejection (of ``kind``) for the file."""
    where = Where(file, pointer="")
    too_large = oversized_document(path)
    if too_large:
        return where.reject(kind, too_large, WHOLE_RECORD)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        return where.reject(kind, f"not UTF-8: {exc.reason}", WHOLE_RECORD)
    try:
        value: object = json.loads(text)
    except json.JSONDecodeError as exc:
        return Where(file, line=exc.lineno).reject(
            kind, f"not valid JSON: {exc.msg} (column {exc.colno})", WHOLE_RECORD, text
        )
    except (RecursionError, ValueError) as exc:
        return where.reject(kind, json_limit_reason(exc), WHOLE_RECORD)
    return value


def oversized_document(path: Path) -> str | None:
    """Why ``path`` is too large to be read whole (``MAX_DOCUMENT_BYTES``), or None; checked
    on its size before a byte is read."""
    size = path.stat().st_size
    if size <= MAX_DOCUMENT_BYTES:
        return None
    return f"the file is {size} bytes, over the limit of {MAX_DOCUMENT_BYTES} for a document"


def json_limit_reason(exc: RecursionError | ValueError) -> str:
    """Why valid-looking JSON could not be parsed: nested too deeply (``RecursionError``) or
    an integer over Python's digit limit (``ValueError``)."""
    if isinstance(exc, RecursionError):
        return "not valid JSON: nested too deeply"
    return f"not valid JSON: {exc}"[:200]


def compact(value: object) -> str:
    """Stable compact JSON (sorted keys) for properties that keep a structure as a string."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def raw_of(value: Any) -> str:
    try:
        return compact(value)[:_RAW_LIMIT]
    except (TypeError, ValueError, RecursionError):
        return repr(value)[:_RAW_LIMIT]
