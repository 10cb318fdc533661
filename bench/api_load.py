"""Sustained concurrent load on the API's read endpoints and receivers, on loopback.

Starts ``rcagraph serve``-equivalent uvicorn on 127.0.0.1 (a free port) over the Neo4j the
settings name (RCAGRAPH_* env; the managed server by default), in a scratch scope, then runs
``--concurrency`` async clients for ``--seconds`` (bounded by ``--max-requests``) mixing
GET /api/v1/incidents, GET /api/v1/kpis, GET /healthz and POST Alertmanager webhooks with
unique fingerprints. Reports rps, p50/p95/p99 and errors per endpoint, then checks that every
accepted (2xx) ingest request is in the graph. ``--write-docs`` writes the "## API load"
section of docs/benchmarks.md.

    .venv/bin/python bench/api_load.py --seconds 20 --concurrency 16 --write-docs
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from rcagraph.api import create_app
from rcagraph.core import RcaGraph
from rcagraph.graph import Query
from rcagraph.postmortem.common import Role
from rcagraph.postmortem.tokens import TokenStore
from rcagraph.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
SECTION = "## API load"
COUNT_ALERTS = Query(
    "bench.count_alerts",
    "UNWIND $fps AS fp MATCH (a:Alert {scope: $scope, fingerprint: fp}) "
    "RETURN count(DISTINCT fp) AS n",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _payload(fp: str) -> dict[str, Any]:
    return {
        "version": "4",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "BenchAlert", "service": f"svc-{random.randint(0, 9)}"},
                "annotations": {},
                "startsAt": "2026-03-01T12:05:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": fp,
            }
        ],
    }


async def _run(
    base: str, token: str, scope: str, seconds: float, conc: int, max_req: int, ingest_share: float
) -> tuple[dict[str, list[float]], dict[str, int], list[str], float]:
    lat: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    accepted: list[str] = []
    sent = 0
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.perf_counter() + seconds
    reads = [
        ("GET /api/v1/incidents", "/api/v1/incidents?limit=20"),
        ("GET /api/v1/kpis", "/api/v1/kpis"),
        ("GET /healthz", "/healthz"),
    ]

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal sent
        while time.perf_counter() < deadline and sent < max_req:
            sent += 1
            if random.random() < ingest_share:
                name = "POST /api/v1/ingest/alertmanager"
                fp = f"bench-{uuid.uuid4().hex}"
                t0 = time.perf_counter()
                try:
                    r = await client.post(
                        f"/api/v1/ingest/alertmanager?scope={scope}", json=_payload(fp)
                    )
                    ok = r.status_code < 300
                except httpx.HTTPError:
                    ok = False
                if ok:
                    accepted.append(fp)
            else:
                name, path = random.choice(reads)
                t0 = time.perf_counter()
                try:
                    ok = (await client.get(path)).status_code < 300
                except httpx.HTTPError:
                    ok = False
            lat.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
            if not ok:
                errors[name] = errors.get(name, 0) + 1

    start = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30.0) as client:
        await asyncio.gather(*(worker(client) for _ in range(conc)))
    return lat, errors, accepted, time.perf_counter() - start


def _pct(xs: list[float], p: float) -> float:
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--max-requests", type=int, default=20000)
    ap.add_argument("--ingest-share", type=float, default=0.3)
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()

    settings = Settings()
    scope = f"bench-api-{uuid.uuid4().hex[:8]}"
    with RcaGraph.open(settings) as rca:
        rca.apply_schema()
        token = TokenStore(rca.graph).create(f"bench-{scope}", Role.responder, scopes=[scope])
        app = create_app(rca)
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            lat, errors, accepted, elapsed = asyncio.run(
                _run(
                    f"http://127.0.0.1:{port}",
                    token,
                    scope,
                    args.seconds,
                    args.concurrency,
                    args.max_requests,
                    args.ingest_share,
                )
            )
        finally:
            server.should_exit = True
            thread.join(timeout=10)
        found = int(rca.graph.read_value(COUNT_ALERTS, fps=accepted, scope=scope) or 0)
        rca.delete_scope(scope)

    total = sum(len(v) for v in lat.values())
    all_lat = [x for v in lat.values() for x in v]
    rows = [("all", total, all_lat, sum(errors.values()))] + [
        (k, len(v), v, errors.get(k, 0)) for k, v in sorted(lat.items())
    ]
    lines = [
        SECTION,
        "",
        f"`python bench/api_load.py --seconds {args.seconds:g} --concurrency "
        f"{args.concurrency} --ingest-share {args.ingest_share:g}` — uvicorn on 127.0.0.1, "
        f"one process, Neo4j 5.26 on the same host; {elapsed:.1f} s, {total} requests.",
        "",
        "| endpoint | requests | rps | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, n, xs, err in rows:
        lines.append(
            f"| {name} | {n} | {n / elapsed:.1f} | {statistics.median(xs) if xs else 0:.1f} | "
            f"{_pct(xs, 95):.1f} | {_pct(xs, 99):.1f} | {err} |"
        )
    lines += [
        "",
        f"Accepted ingest requests: {len(accepted)}; found in the graph afterwards: {found}"
        f" ({'none lost' if found == len(accepted) else 'LOST ' + str(len(accepted) - found)}).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        _write_section(text)
    if found != len(accepted):
        raise SystemExit(1)


def _write_section(text: str) -> None:
    old = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n\n"
    if SECTION in old:
        head, rest = old.split(SECTION, 1)
        nxt = rest.find("\n## ")
        tail = rest[nxt + 1 :] if nxt >= 0 else ""
        new = head + text + ("\n" + tail if tail else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(new)


if __name__ == "__main__":
    main()
