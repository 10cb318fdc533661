"""Hostile input to the file loaders' parsers (issue 13 items 2 and 7): timestamps that
overflow once converted, huge epoch numbers, JSON nested too deeply or with a 5,000-digit
integer, over-long lines and keys; each is a rejection naming the field, the rest still loads."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcagraph.loaders.alerts import parse_payloads
from rcagraph.loaders.base import Rejection
from rcagraph.loaders.limits import MAX_KEY_CHARS, MAX_LINE_BYTES
from rcagraph.loaders.metrics import Sample, iter_csv
from rcagraph.loaders.records import (
    LINE_TOO_LONG,
    bounded_lines,
    iter_jsonl,
    read_json_document,
)
from rcagraph.loaders.timeparse import (
    TimestampError,
    from_epoch_ms,
    from_epoch_ns,
    from_epoch_s,
    parse_rfc3339,
)

DEEP = "[" * 100_000 + "]" * 100_000
BIG_INT = '{"n": ' + "9" * 5000 + "}"


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_rfc3339_overflow_is_a_timestamp_error(text: str) -> None:
    with pytest.raises(TimestampError, match="out of range"):
        parse_rfc3339(text)


@pytest.mark.parametrize("value", [10**400, "9" * 400, -(10**400), 1e308])
def test_huge_epoch_numbers_are_value_errors(value: object) -> None:
    for parse in (from_epoch_s, from_epoch_ms, from_epoch_ns):
        with pytest.raises(ValueError):
            parse(value)


def _alert(fp: str, starts: str = "2026-03-01T12:05:00Z") -> dict[str, object]:
    return {
        "labels": {"alertname": "A", "service": "checkout"},
        "startsAt": starts,
        "fingerprint": fp,
    }


def test_alerts_overflowing_time_and_long_fingerprint_rejected_others_kept() -> None:
    payload = {
        "version": "4",
        "status": "firing",
        "alerts": [
            _alert("fp-late", "9999-12-31T23:59:59-01:00"),
            _alert("x" * 100_000),
            _alert("fp-good"),
            {"labels": {"service": "s" * (MAX_KEY_CHARS + 1)}, "startsAt": "2026-03-01T12:05:00Z"},
        ],
    }
    late, long_fp, good, long_service = (r for _, r in parse_payloads(payload, "alerts/a.json"))
    assert isinstance(late, Rejection) and late.field == "startsAt"
    assert "out of range" in late.reason
    assert isinstance(long_fp, Rejection) and long_fp.field == "fingerprint"
    assert isinstance(long_service, Rejection) and long_service.field == "labels"
    assert not isinstance(good, Rejection) and good.fingerprint == "fp-good"


def test_jsonl_hostile_lines_are_rejections_and_the_rest_loads(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    long_line = b'{"a": "' + b"y" * MAX_LINE_BYTES + b'"}'
    path.write_bytes(b"\n".join([DEEP.encode(), BIG_INT.encode(), long_line, b'{"ok": 1}']) + b"\n")
    rows = list(iter_jsonl(path, "x.jsonl", "log"))
    assert [w.line for w, _, _ in rows] == [1, 2, 3, 4]
    deep, big, long, ok = (v for _, _, v in rows)
    assert isinstance(deep, Rejection) and deep.field == "$" and "nested too deeply" in deep.reason
    assert isinstance(big, Rejection) and big.field == "$" and "digits" in big.reason
    assert isinstance(long, Rejection) and long.field == "$" and long.reason == LINE_TOO_LONG
    assert long.line == 3
    assert ok == {"ok": 1}


@pytest.mark.parametrize("text", [DEEP, BIG_INT])
def test_json_document_hostile_is_a_rejection(tmp_path: Path, text: str) -> None:
    path = tmp_path / "a.json"
    path.write_text(text)
    rej = read_json_document(path, "alerts/a.json", "alert")
    assert isinstance(rej, Rejection) and rej.field == "$"


def test_metrics_csv_overlong_line_rejected_next_rows_load(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    good = b"2026-03-01T12:00:00Z,checkout,latency,,0.5\n"
    path.write_bytes(
        b"timestamp,service,metric,labels,value\n"
        + good
        + b"2026-03-01T12:00:00Z,checkout,latency,,"
        + b"1" * MAX_LINE_BYTES
        + b"\n"
        + b"9999-12-31T23:59:59-01:00,checkout,latency,,0.5\n"
        + good
    )
    out = list(iter_csv(path, "metrics/m.csv"))
    kinds = [type(x).__name__ for x in out]
    assert kinds == ["Sample", "Rejection", "Rejection", "Sample"], out
    long, late = out[1], out[2]
    assert isinstance(long, Rejection) and long.reason == LINE_TOO_LONG and long.line == 3
    assert isinstance(late, Rejection) and late.field == "timestamp" and late.line == 4
    assert isinstance(out[3], Sample)


@given(st.lists(st.binary(max_size=20).map(lambda b: b.replace(b"\n", b"")), max_size=20))
def test_bounded_lines_keeps_short_lines_and_drops_long_ones(lines: list[bytes]) -> None:
    limit = 8
    data = b"".join(line + b"\n" for line in lines)
    got = list(bounded_lines(io.BytesIO(data), limit))
    assert got == [line + b"\n" if len(line) + 1 <= limit + 1 else None for line in lines]
