"""Bundle archives are extracted within limits: traversal, links, devices, bombs, too many
members and corrupted streams are a BundleError naming the member (issue 13, items 2 and 7)."""

from __future__ import annotations

import contextlib
import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rcagraph.loaders.receivers as receivers
from rcagraph.errors import BundleError
from rcagraph.loaders.receivers import _extract


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _tar(members: list[tarfile.TarInfo], payloads: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for info in members:
            data = (payloads or {}).get(info.name)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def test_a_good_archive_extracts(tmp_path: Path) -> None:
    _extract(_zip({"b/incident.json": b"{}", "b/logs/a.jsonl": b"x\n"}), tmp_path)
    assert (tmp_path / "b" / "logs" / "a.jsonl").read_bytes() == b"x\n"
    info = tarfile.TarInfo("t/incident.json")
    info.size = 2
    _extract(_tar([info], {"t/incident.json": b"{}"}), tmp_path / "tar")
    assert (tmp_path / "tar" / "t" / "incident.json").read_bytes() == b"{}"


def test_traversal_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="unsafe path"):
        _extract(_zip({"../evil": b"x"}), tmp_path / "root")
    info = tarfile.TarInfo("../../evil")
    info.size = 1
    with pytest.raises(BundleError, match="unsafe path"):
        _extract(_tar([info], {"../../evil": b"x"}), tmp_path / "root2")


def test_links_and_devices_are_refused(tmp_path: Path) -> None:
    link = tarfile.TarInfo("b/link")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    with pytest.raises(BundleError, match="link in archive"):
        _extract(_tar([link]), tmp_path / "a")
    hard = tarfile.TarInfo("b/hard")
    hard.type = tarfile.LNKTYPE
    hard.linkname = "b/x"
    with pytest.raises(BundleError, match="link in archive"):
        _extract(_tar([hard]), tmp_path / "b")
    dev = tarfile.TarInfo("b/dev")
    dev.type = tarfile.CHRTYPE
    with pytest.raises(BundleError, match="special file"):
        _extract(_tar([dev]), tmp_path / "c")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("b/link")
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(BundleError, match="link in archive"):
        _extract(buf.getvalue(), tmp_path / "d")


def test_bombs_stop_at_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(receivers, "ARCHIVE_RATIO_FLOOR_BYTES", 1 << 20)
    zeros = b"\0" * (8 << 20)  # 8 MiB of zeros compress to ~8 KiB: a ratio of ~1000
    with pytest.raises(BundleError, match="expands beyond"):
        _extract(_zip({"b/zeros.log": zeros}), tmp_path / "z")
    info = tarfile.TarInfo("b/zeros.log")
    info.size = len(zeros)
    with pytest.raises(BundleError, match="expands beyond"):
        _extract(_tar([info], {"b/zeros.log": zeros}), tmp_path / "t")
    written = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert written <= 2 * (1 << 20) + 2 * receivers._CHUNK


def test_too_many_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(receivers, "MAX_ARCHIVE_MEMBERS", 5)
    with pytest.raises(BundleError, match="more than 5 members"):
        _extract(_zip({f"b/{i}": b"x" for i in range(6)}), tmp_path)


def test_a_corrupted_stream_names_the_member(tmp_path: Path) -> None:
    data = bytearray(_zip({"b/incident.json": b"{" + b"a" * 5000 + b"}"}))
    start = data.index(b"b/incident.json") + len(b"b/incident.json")
    for i in range(start + 4, start + 40):
        data[i] ^= 0xFF
    with pytest.raises(BundleError) as err:
        _extract(bytes(data), tmp_path)
    assert "incident.json" in str(err.value) or "archive" in str(err.value)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_any_bytes_are_an_archive_or_a_bundle_error(tmp_path: Path, data: bytes) -> None:
    target = tmp_path / "x"
    with contextlib.suppress(BundleError):
        _extract(data, target)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=2000), st.integers(min_value=0, max_value=255))
def test_a_flipped_byte_in_a_zip_is_a_bundle_error_at_worst(
    tmp_path: Path, pos: int, value: int
) -> None:
    data = bytearray(_zip({"b/incident.json": b'{"id": "INC-1"}' * 20, "b/a.log": b"x\n" * 50}))
    data[pos % len(data)] = value
    with contextlib.suppress(BundleError):
        _extract(bytes(data), tmp_path / f"f{pos}-{value}")
