"""An incident bundle with tickets, chat and log lines that carry secrets: the checkout-latency
example bundle plus the files of tests/unit/notes/shapes.py."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from tests.unit.notes import shapes

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "bundles" / "checkout-latency"
#: the upgrade of cartservice to v1.4.2 in the example bundle
DEPLOY_ID = "5f8e2c1a-7d43-4b0e-9a61-2c3d4e5f6a7b"


def _dump(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False))


def _otlp_line(body: str, attrs: dict[str, str]) -> dict[str, Any]:
    return {
        "resourceLogs": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "cartservice"}}]
                },
                "scopeLogs": [
                    {
                        "logRecords": [
                            {
                                "timeUnixNano": "1772366430000000000",
                                "severityNumber": 17,
                                "severityText": "ERROR",
                                "body": {"stringValue": body},
                                "attributes": [
                                    {"key": k, "value": {"stringValue": v}}
                                    for k, v in attrs.items()
                                ],
                            }
                        ]
                    }
                ],
            }
        ]
    }


def secret_log_lines() -> str:
    """Log lines (plain JSON and OTLP) with secrets in their bodies, one of them bad."""
    lines: list[dict[str, Any]] = [
        {
            "timestamp": f"2026-03-01T12:0{i}:00Z",
            "service": "cartservice",
            "severity": "ERROR",
            "body": f"login failed for {shapes.EMAIL} from {shapes.IP} key {shapes.AWS_KEY}",
        }
        for i in range(5)
    ]
    lines.append(
        {
            "timestamp": "2026-03-01T12:05:30Z",
            "service": "cartservice",
            "severity": "WARN",
            "body": f"retrying with Authorization: Bearer {shapes.JWT} card {shapes.CARD}",
        }
    )
    # no service: rejected, and its raw text goes to the quarantine
    lines.append({"timestamp": "2026-03-01T12:06:00Z", "body": f"password={shapes.PASSWORD}"})
    lines.append(
        _otlp_line(
            f"payment for {shapes.EMAIL} declined, token {shapes.GITHUB_TOKEN}",
            {"client.address": shapes.IPV6},
        )
    )
    return "".join(json.dumps(line) + "\n" for line in lines)


def slack_zip() -> bytes:
    """The Slack export as Slack delivers it: one zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("users.json", json.dumps(shapes.SLACK_USERS))
        z.writestr("channels.json", json.dumps(shapes.SLACK_CHANNELS))
        z.writestr("incidents/2026-03-01.json", json.dumps(shapes.SLACK_DAY))
    return out.getvalue()


def write_bundle(root: Path, *, slack_as_zip: bool = False) -> Path:
    """The example bundle at ``root`` with tickets, chat and secret log lines added."""
    shutil.copytree(EXAMPLE, root)
    _dump(root / "tickets" / "github-12.json", shapes.GITHUB_ISSUE)
    _dump(root / "tickets" / "github-12-comments.json", shapes.GITHUB_COMMENTS)
    _dump(root / "tickets" / "jira-OPS-7.json", shapes.JIRA_V2)
    _dump(
        root / "tickets" / "jira-search.json",
        {"startAt": 0, "total": 1, "issues": [shapes.JIRA_V3]},
    )
    if slack_as_zip:
        (root / "chat").mkdir(parents=True, exist_ok=True)
        (root / "chat" / "slack-export.zip").write_bytes(slack_zip())
    else:
        _dump(root / "chat" / "slack" / "users.json", shapes.SLACK_USERS)
        _dump(root / "chat" / "slack" / "channels.json", shapes.SLACK_CHANNELS)
        _dump(root / "chat" / "slack" / "incidents" / "2026-03-01.json", shapes.SLACK_DAY)
    _dump(root / "chat" / "teams-ops.json", shapes.TEAMS)
    (root / "logs" / "secrets.jsonl").write_text(secret_log_lines())
    return root


def leaked(text: str) -> list[str]:
    """The planted secrets that appear in ``text``."""
    return [s for s in shapes.SECRETS if s in text]


def raw_store_text(data_dir: Path) -> str:
    """Every string cell of every Parquet file under ``data_dir``, and every other file's text
    (load reports, quarantines), as one text."""
    parts: list[str] = []
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            parts.append(json.dumps(pq.read_table(path).to_pylist(), default=str))
        else:
            parts.append(path.read_text(errors="replace"))
    return "\n".join(parts)
