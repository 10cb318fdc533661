"""Write a planned incident out as an incident bundle: topology, changes, metrics, logs, alerts,
``incident.json`` and ``truth.json`` (see :mod:`rcagraph.synthetic.incidents`)."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

import rcagraph.synthetic.incidents.formats as formats
from rcagraph.synthetic.incidents.plan import Plan, hex_id, plan_incident
from rcagraph.synthetic.incidents.telemetry import write_alerts, write_logs, write_metrics
from rcagraph.synthetic.incidents.topologies import TOPOLOGIES

_MEMBERS = ("alice@example.com", "bob@example.com", "chen@example.com", "dana@example.com")


def write_bundle(plan: Plan, out_dir: Path, seed: int, index: int) -> Path:
    """Write ``plan`` as the bundle ``out_dir`` (same plan, seed and index: same bytes)."""
    topo = TOPOLOGIES[plan.system]
    rng = random.Random(f"rcagraph-gen-write:{plan.system}:{seed}:{index}")
    nprng = np.random.default_rng(rng.getrandbits(63))
    out_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("topology", "metrics", "logs", "alerts"):
        (out_dir / sub).mkdir(exist_ok=True)

    # -- topology -------------------------------------------------------------------------
    calls = {(a, b): int(rng.uniform(5, 400)) for a, b, _ in topo.edges}
    flag_annotations: dict[str, list[str]] = {}
    form = plan.topo_form
    for c in plan.changes:
        if c.kind == "flag" and not c.flag_tagged and c.service:
            if form == "edges":
                c.flag_tagged = True  # no catalog to annotate: keep the tag
            else:
                flag_annotations.setdefault(c.service, []).append(c.flag_key)
    if form in ("both", "catalog"):
        (out_dir / "topology" / "catalog.yaml").write_text(
            formats.backstage_catalog(topo, flag_annotations, calls), encoding="utf-8"
        )
    if form in ("both", "edges"):
        (out_dir / "topology" / "edges.csv").write_text(
            formats.edges_csv(topo, calls), encoding="utf-8"
        )

    # -- changes --------------------------------------------------------------------------
    dep_lines: list[tuple[datetime, str]] = []
    flag_lines: list[tuple[datetime, str]] = []
    chg_lines: list[tuple[datetime, str]] = []
    use_unleash = rng.random() < 0.5
    unleash_id = rng.randint(1000, 90000)
    for c in sorted(plan.changes, key=lambda c: c.at):
        if c.kind == "deploy":
            at = c.at + timedelta(seconds=plan.skew_s["deployments"])
            ev = formats.cdevent(
                event_id=c.change_id,
                action=c.action,
                service=c.service or "",
                at=at,
                system=plan.system,
                version=c.version,
                share=c.share,
                actor=rng.choice(_MEMBERS),
            )
            dep_lines.append((at, json.dumps(ev, separators=(",", ":"))))
        elif c.kind == "flag":
            at = c.at + timedelta(seconds=plan.skew_s["flags"])
            svc = c.service if c.flag_tagged else None
            member = rng.choice(_MEMBERS)
            if use_unleash:
                unleash_id += rng.randint(1, 40)
                c.change_id = str(unleash_id)
                fl = formats.unleash_event(
                    event_id=unleash_id,
                    flag_key=c.flag_key,
                    service=svc,
                    at=at,
                    on=True,
                    share=c.share,
                    member=member,
                )
            else:
                c.change_id = hex_id(rng, 24)
                fl = formats.launchdarkly_entry(
                    entry_id=c.change_id,
                    flag_key=c.flag_key,
                    service=svc,
                    at=at,
                    on=True,
                    share=c.share,
                    member=member,
                    comment=c.summary,
                )
            flag_lines.append((at, json.dumps(fl, separators=(",", ":"))))
        else:
            at = c.at + timedelta(seconds=plan.skew_s["changes"])
            offset = rng.choice([0, 0, 0, 60, -300, 330])
            rec = {
                "id": c.change_id,
                "kind": c.kind,
                "service": c.service,
                "at": formats.rfc3339(at, offset),
                "actor": rng.choice(["ops-bot", *_MEMBERS]),
                "source": "consul" if c.kind == "config" else "terraform",
                "summary": c.summary,
                "attributes": c.attrs,
            }
            chg_lines.append((at, json.dumps(rec, separators=(",", ":"))))
    for name, lines in (
        ("deployments.jsonl", dep_lines),
        ("flags.jsonl", flag_lines),
        ("changes.jsonl", chg_lines),
    ):
        if lines:
            (out_dir / name).write_text("\n".join(x for _, x in lines) + "\n", encoding="utf-8")

    # -- metrics --------------------------------------------------------------------------
    series, times = write_metrics(plan, topo, out_dir, rng, nprng)

    # -- logs -----------------------------------------------------------------------------
    write_logs(plan, topo, out_dir, rng, nprng, series, times)

    # -- alerts ---------------------------------------------------------------------------
    write_alerts(plan, topo, out_dir, rng, series, times)

    # -- incident and truth ---------------------------------------------------------------
    sig = "errors" if plan.mode == "errors" else "latency"
    incident = {
        "id": plan.incident_id,
        "title": f"{plan.symptom} {'error rate' if sig == 'errors' else 'latency'} above SLO",
        "severity": rng.choice(["SEV1", "SEV2", "SEV2", "SEV3"]),
        "system": plan.system,
        "started_at": formats.rfc3339(plan.started_at),
        "detected_at": formats.rfc3339(plan.detected_at),
        "resolved_at": formats.rfc3339(plan.resolved_at) if plan.resolved_at else None,
        "symptoms": [
            {
                "service": plan.symptom,
                "signal": sig,
                "metric": "error_ratio" if sig == "errors" else "latency_p95_ms",
            }
        ],
    }
    kind = plan.variant.split("-")[0]
    truth = {
        "root_cause": {
            "kind": kind,
            "service": plan.root,
            "change_id": plan.change.change_id if plan.change else None,
        },
        "generator": {
            "fault": plan.variant,
            "mode": plan.mode,
            "seed": seed,
            "index": index,
            "symptom_path": TOPOLOGIES[plan.system].path(plan.symptom, plan.root),
            "rollout_share": plan.change.share if plan.change else None,
            "noisy": plan.noisy,
            "loud": plan.loud,
            "no_metrics": plan.no_metrics,
            "skew_s": {k: round(v, 1) for k, v in plan.skew_s.items()},
        },
    }
    (out_dir / "incident.json").write_text(json.dumps(incident, indent=2) + "\n", "utf-8")
    (out_dir / "truth.json").write_text(json.dumps(truth, indent=2) + "\n", "utf-8")
    return out_dir


def generate(out: Path, systems: list[str], per_system: int, seed: int) -> list[Path]:
    """Write ``per_system`` bundles for each system under ``out/<system>/<index>``."""
    written: list[Path] = []
    for system in systems:
        for index in range(per_system):
            plan = plan_incident(system, seed, index)
            written.append(write_bundle(plan, out / system / f"{index:03d}", seed, index))
    return written
