"""Convert the PetShop RCA dataset into incident bundles of the rcagraph contract.

Data: "Root Cause Analysis on PetShop Application" — M. Hardt, W. R. Orchard, P. Blöbaum,
E. Kirschbaum, S. Kasiviswanathan, "The PetShop Dataset — Finding Causes of Performance
Issues across Microservices", CLeaR 2024, arXiv:2311.04806. The dataset is licensed under
CC-BY-4.0 (© Amazon.com, Inc. or its affiliates); these bundles are an adaptation of it (format
changed, nothing else), and every output directory carries this credit in a README.

Layout read (``../shared/datasets/petshop/dataset``): four scenarios (``low_traffic``,
``high_traffic``, ``temporal_traffic1``, ``temporal_traffic2``), each with ``graph.csv`` (an
adjacency matrix: row = caller, column = callee), ``noissue/metrics.csv`` (normal operation)
and ``{train,test}/issue_N/`` with ``metrics.csv`` (three header rows: component, metric,
statistic; then ``unix_timestamp`` rows at 5-minute steps) and ``target.json``.

What each bundle gets:

* ``incident.json`` from ``target.json``: the symptom is the target node and metric
  (``latency`` / ``availability``, statistic ``Average`` → the metric named plainly), and
  ``started_at`` = ``target.timestamp``.
* ``truth.json`` from ``root_cause`` and ``metadata.reproducibility.command`` — decided from the
  command that injected the issue, which the data names:

  - ``aws ssm put-parameter --name P --value V`` (a parameter flip read by the service) →
    ``kind: config``, with a change record in ``changes.jsonl`` (``kind: config``, ``source:
    aws-ssm``, the parameter, the new value);
  - ``sed … index.js && cdk deploy …`` (a code edit of the Lambda, then a deploy) →
    ``kind: deploy``, with a change record (``kind: deploy``, ``source: cdk``);
  - ``python -m issue_dynamo_db_requests …`` (a load script hammering the table: no change to
    any component) → ``kind: service``, ``change_id: null``, no change record.

  The data do not say when the command ran. The change is placed at the first sample of the
  issue's metrics window (the window the dataset recorded for the issue), which is before the
  target time in every issue; ``attributes.at_inferred`` says so.
* ``topology/edges.csv`` from ``graph.csv``; ``topology/xray-inferred.yaml``: a Backstage
  Resource for each node that X-Ray infers from its callers' subsegments alone (a ``remote``
  node — an HTTP endpoint without the X-Ray SDK, such as a load balancer or an external API —,
  an AWS resource reached through the SDK, an SQL database), annotated
  ``rcagraph.io/instrumented: "false"``: its figures are its callers' measurements of the
  calls, which the engine takes into account (see ``mirrors_peer`` in docs/ranking.md).
* ``metrics/metrics.csv`` (long form, epoch seconds): unless ``--baseline-rows 0``, the last N
  rows of the scenario's ``noissue/metrics.csv`` (normal operation, recorded on other days —
  *after* the issues — so they are moved back by whole days, time of day, spacing and values
  kept, to end before the issue window: a detector takes a series' leading part as its
  baseline), then the
  issue's own ``metrics.csv`` — in one file, so each series is judged as a whole. The temporal
  scenarios have no ``noissue`` data here, so their series hold the issue window only. Metric
  names: ``latency`` (Average), ``latency_p50`` … ``latency_p99``, ``requests`` (Sum),
  ``availability``.

Only the change the data names is written: there are no distractor changes in these bundles, so
change-level ranking on them is easy and component-level ranking is the real test. With
``--no-changes`` no change record is written at all: the bundle then holds what the dataset's
own baselines see (metrics and the call graph), which is the fair comparison with them.

    python -m bench.datasets.petshop --out bench/out/petshop [--source DIR] [--baseline-rows N]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = ROOT.parent / "shared" / "datasets" / "petshop" / "dataset"
DEFAULT_OUT = ROOT / "bench" / "out" / "petshop"
SCENARIOS = ("low_traffic", "high_traffic", "temporal_traffic1", "temporal_traffic2")

CREDIT = """\
# PetShop bundles

These incident bundles are converted from the PetShop dataset:

> M. Hardt, W. R. Orchard, P. Blöbaum, E. Kirschbaum, S. Kasiviswanathan.
> "The PetShop Dataset — Finding Causes of Performance Issues across Microservices."
> Causal Learning and Reasoning (CLeaR) 2024. arXiv:2311.04806.

Dataset © Amazon.com, Inc. or its affiliates, licensed under the Creative Commons Attribution
4.0 International licence (CC-BY-4.0, https://creativecommons.org/licenses/by/4.0/).
Changes made: the files were converted to the rcagraph incident-bundle format
(`bench/datasets/petshop.py` documents how, including how the causing change's time is
inferred). No values were altered.
"""

_SIGNALS = {"latency": "latency", "availability": "availability", "requests": "other"}


@dataclass(frozen=True, slots=True)
class Issue:
    scenario: str
    split: str
    name: str
    path: Path

    @property
    def incident_id(self) -> str:
        return f"petshop-{self.scenario}-{self.split}-{self.name}".replace("_", "-")


def metric_name(metric: str, statistic: str) -> str:
    stat = statistic.strip()
    if stat in ("Average", "Sum", ""):
        return metric.strip()
    return f"{metric.strip()}_{stat.lower()}"


def wide_to_long(path: Path, last_rows: int | None = None) -> Iterator[tuple[str, str, str, str]]:
    """(epoch seconds, component, metric, value) of a PetShop metrics.csv (empty cells out)."""
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        components = next(reader)[1:]
        metrics = next(reader)[1:]
        stats = next(reader)[1:]
        names = [metric_name(m, s) for m, s in zip(metrics, stats, strict=True)]
        header = next(reader)
        if header[0].strip() != "unix_timestamp":
            raise ValueError(f"{path}: 4th row is not 'unix_timestamp'")
        rows: Iterable[list[str]] = reader
        if last_rows is not None:
            kept = list(reader)
            rows = kept[-last_rows:] if last_rows > 0 else []
        for row in rows:
            ts = row[0].strip()
            for comp, name, value in zip(components, names, row[1:], strict=True):
                if value.strip():
                    yield ts, comp, name, value.strip()


def retime_before(
    rows: list[tuple[str, str, str, str]], start: float
) -> list[tuple[str, str, str, str]]:
    """The normal-operation rows, moved back by whole days (time of day, spacing and values
    kept) to the latest days on which they end before ``start``, the issue window's first
    sample — unless they already end before it.

    The dataset recorded normal operation on days *after* the issues (April issues, August and
    September ``noissue`` data). A detector reads a series in time order and takes its leading
    part as the baseline, so with the real timestamps the issue window would lead the series and
    be judged against itself. Only the days move: the rows stay "normal operation on another
    day", and their own small ups and downs stay out of the incident's lookback.
    """
    if not rows:
        return rows
    times = sorted({float(r[0]) for r in rows})
    if times[-1] < start:
        return rows
    offset = -_DAY * (math.floor((times[-1] - start) / _DAY) + 1)
    return [(_epoch_text(float(ts) + offset), comp, name, v) for ts, comp, name, v in rows]


_DAY = 86400.0


def _epoch_text(epoch: float) -> str:
    return f"{epoch:.1f}"


def first_timestamp(path: Path) -> float:
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        for _ in range(4):
            next(reader)
        return float(next(reader)[0])


def edges(graph_csv: Path) -> list[tuple[str, str]]:
    with graph_csv.open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)[1:]
        out = []
        for row in reader:
            for callee, v in zip(header, row[1:], strict=True):
                if float(v or 0) != 0.0:
                    out.append((row[0], callee))
    return out


#: X-Ray node types whose figures come from the node's own segments: the compute services that
#: run the X-Ray SDK or whose AWS service records segments (a name without a type suffix is an
#: instrumented service too)
XRAY_SEGMENT_TYPES = (
    "AWS::ECS::Container",
    "AWS::ECS::Fargate",
    "AWS::EC2::Instance",
    "AWS::EKS::Container",
    "AWS::ElasticBeanstalk::Environment",
    "AWS::Lambda",
    "AWS::Lambda::Function",
    "AWS::ApiGateway::Stage",
    "AWS::StepFunctions::StateMachine",
)


def xray_instrumented(node: str) -> bool:
    """Whether an X-Ray service-map node reports from inside (its own segments) rather than
    only through its callers' subsegments. X-Ray infers a ``remote`` node (an HTTP call to an
    uninstrumented endpoint: a load balancer, an external API), an AWS resource called through
    the SDK (a DynamoDB table, S3, SQS, SNS, SSM, STS) and an SQL database from the callers'
    subsegments alone (the dataset names a node ``<name>_<type>``); a ``client`` node is the
    caller outside the map."""
    if node.endswith(("_remote", "_Database::SQL")):
        return False
    if "AWS::" in node:
        return node.endswith(XRAY_SEGMENT_TYPES) or node.startswith(XRAY_SEGMENT_TYPES)
    return True


def _xray_type(node: str) -> str:
    if node.endswith("_remote"):
        return "load-balancer" if ".elb." in node else "external"
    if node.endswith(("_Database::SQL", "::Table", "_AWS::DynamoDB")):
        return "database"
    if "::SQS::" in node:
        return "queue"
    if node.endswith("_AWS::S3"):
        return "storage"
    return "cloud-service"


def catalog(nodes: Iterable[str]) -> list[dict[str, Any]]:
    """Backstage Resource entities for the X-Ray nodes seen only through their callers
    (``rcagraph.io/instrumented: "false"``, see :func:`xray_instrumented`); instrumented nodes
    need no entity (edges.csv names them)."""
    return [
        {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Resource",
            "metadata": {"name": n, "annotations": {"rcagraph.io/instrumented": "false"}},
            "spec": {"type": _xray_type(n), "owner": "group:petshop"},
        }
        for n in sorted(set(nodes))
        if not xray_instrumented(n)
    ]


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cause(target: dict[str, Any], issue: Issue, at: float) -> tuple[dict[str, Any], Any]:
    """(truth.json's root_cause, the change record or None), decided from the command."""
    service = target["root_cause"]["node"]
    command = str(target.get("metadata", {}).get("reproducibility", {}).get("command", ""))
    change_id = f"{issue.incident_id}-change"
    common = {"id": change_id, "service": service, "at": iso(at)}
    if command.startswith("aws ssm put-parameter"):
        args = shlex.split(command)
        name = args[args.index("--name") + 1] if "--name" in args else None
        value = args[args.index("--value") + 1] if "--value" in args else None
        record = common | {
            "kind": "config",
            "actor": "petshop-fault-injection",
            "source": "aws-ssm",
            "summary": f"set {name} = {value}",
            "attributes": {
                "parameter": name,
                "after": value,
                "command": command,
                "at_inferred": "start of the issue's metrics window",
            },
        }
        return {"kind": "config", "service": service, "change_id": change_id}, record
    if "cdk deploy" in command:
        edit = re.search(r"sed -E -i '([^']*)' (\S+)", command)
        record = common | {
            "kind": "deploy",
            "actor": "petshop-fault-injection",
            "source": "cdk",
            "summary": f"code edit {edit.group(1) if edit else ''} of "
            f"{edit.group(2) if edit else 'the function'}, then cdk deploy",
            "attributes": {
                "command": command,
                "at_inferred": "start of the issue's metrics window",
            },
        }
        return {"kind": "deploy", "service": service, "change_id": change_id}, record
    # a load script (issue_dynamo_db_requests) or anything else: no change of a component
    return {"kind": "service", "service": service, "change_id": None}, None


def find_issues(source: Path) -> list[Issue]:
    issues = []
    for scenario in SCENARIOS:
        for split in ("train", "test"):
            base = source / scenario / split
            if not base.is_dir():
                continue
            for d in sorted(base.iterdir(), key=lambda p: int(p.name.split("_")[-1])):
                if (d / "target.json").is_file():
                    issues.append(Issue(scenario, split, d.name, d))
    return issues


def write_csv(path: Path, header: list[str], rows: Any) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow(row)
            n += 1
    return n


def convert_issue(
    issue: Issue, source: Path, out: Path, baseline_rows: int, with_changes: bool = True
) -> Path:
    target = json.loads((issue.path / "target.json").read_text())
    bundle = out / issue.incident_id
    bundle.mkdir(parents=True, exist_ok=True)
    metrics_csv = issue.path / "metrics.csv"
    t = target["target"]
    metric = metric_name(t["metric"], t.get("agg", "Average"))
    incident = {
        "id": issue.incident_id,
        "title": f"PetShop {issue.scenario} {issue.split} {issue.name}: "
        f"{t['metric']} of {t['node']}",
        "severity": "SEV3",
        "system": "petshop",
        "started_at": iso(float(t["timestamp"])),
        "detected_at": iso(float(t["timestamp"])),
        "resolved_at": None,
        "symptoms": [
            {"service": t["node"], "signal": _SIGNALS.get(t["metric"], "other"), "metric": metric}
        ],
    }
    (bundle / "incident.json").write_text(json.dumps(incident, indent=2) + "\n")
    root, change = cause(target, issue, first_timestamp(metrics_csv))
    (bundle / "truth.json").write_text(json.dumps({"root_cause": root}, indent=2) + "\n")
    if change is not None and with_changes:
        (bundle / "changes.jsonl").write_text(json.dumps(change) + "\n")
    graph = edges(source / issue.scenario / "graph.csv")
    write_csv(bundle / "topology" / "edges.csv", ["caller", "callee"], graph)
    (bundle / "topology" / "xray-inferred.yaml").write_text(
        yaml.safe_dump_all(catalog(n for e in graph for n in e), sort_keys=False)
    )
    header = ["timestamp", "service", "metric", "value"]
    rows: Iterable[tuple[str, str, str, str]] = wide_to_long(metrics_csv)
    normal = source / issue.scenario / "noissue" / "metrics.csv"
    if baseline_rows > 0 and normal.is_file():
        # one file, baseline first: a detector judges each series as a whole, so normal
        # operation and the issue window must be one series — and in time order, baseline
        # first (see retime_before)
        baseline = retime_before(
            list(wide_to_long(normal, last_rows=baseline_rows)), first_timestamp(metrics_csv)
        )
        rows = itertools.chain(baseline, rows)
    write_csv(bundle / "metrics" / "metrics.csv", header, rows)
    (bundle / "README.md").write_text(CREDIT)
    return bundle


def convert(
    source: Path = DEFAULT_SOURCE,
    out: Path = DEFAULT_OUT,
    baseline_rows: int = 36,
    limit: int | None = None,
    *,
    with_changes: bool = True,
) -> list[Path]:
    """Convert every issue (or the first ``limit``) and return the bundle directories."""
    if not source.is_dir():
        raise FileNotFoundError(f"no PetShop dataset at {source}")
    resolved = out.resolve()
    src_repo = ROOT / "src"
    if resolved.is_relative_to(src_repo) or resolved.is_relative_to(ROOT / "tests"):
        raise ValueError(f"refusing to write bundles inside the source tree: {out}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "README.md").write_text(CREDIT)
    issues = find_issues(source)
    if limit is not None:
        issues = issues[:limit]
    return [convert_issue(i, source, out, baseline_rows, with_changes) for i in issues]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--baseline-rows",
        type=int,
        default=36,
        help="rows of noissue metrics (5-min steps) per bundle; 0: none",
    )
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument(
        "--no-changes", action="store_true", help="write no change records (metrics only)"
    )
    args = parser.parse_args(argv)
    bundles = convert(
        args.source, args.out, args.baseline_rows, args.limit, with_changes=not args.no_changes
    )
    print(f"wrote {len(bundles)} bundles to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
