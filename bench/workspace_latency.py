"""How long the workspace's incident page (timeline chart and dependency subgraph) takes on
the demo data, served and in a browser.

Loads ``examples/bundles/checkout-latency`` into a scratch scope of the Neo4j the settings name
(RCAGRAPH_* env; the managed server by default), ranks its incident, serves the app (API and
workspace) with uvicorn on a free loopback port, signs in with a fresh token, then:

* **served**: ``--runs`` GETs of ``/ui/incidents/INC-1042`` (the first one, cold, reported
  apart): the whole answer, HTML with both SVGs, on the wall clock;
* **browser**: in Debian's Chromium (``/usr/bin/chromium``, through Playwright), ``--runs``
  navigations to the page, to its ``load`` event (HTML, stylesheet, script, both drawings laid
  out and painted) from ``performance.getEntriesByType('navigation')``; skipped without
  Chromium.

The scratch scope is deleted at the end. ``--write-docs`` writes the "## Workspace incident
page" section of docs/benchmarks.md.

    .venv/bin/python -m bench.workspace_latency --runs 20 --write-docs
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import threading
import time
import uuid
from pathlib import Path

import httpx
import uvicorn
from playwright.sync_api import sync_playwright

from bench.docs import replace_section
from rcagraph.core import RcaGraph
from rcagraph.postmortem.common import SYSTEM, Role
from rcagraph.settings import Settings
from rcagraph.workspace import create_app

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
DEMO = ROOT / "examples" / "bundles" / "checkout-latency"
INCIDENT = "INC-1042"
SECTION = "## Workspace incident page"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def served(base: str, token: str, path: str, runs: int) -> tuple[float, list[float], int]:
    """(cold ms, warm ms per run, page bytes) of GET ``path`` after signing in."""
    with httpx.Client(base_url=base, timeout=30, follow_redirects=True) as client:
        form = client.get("/ui/sign-in")
        nonce = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert nonce is not None
        done = client.post("/ui/sign-in", data={"token": token, "csrf": nonce.group(1)})
        assert done.status_code == 200, done.status_code
        times: list[float] = []
        size = 0
        for _ in range(runs + 1):
            t0 = time.perf_counter()
            r = client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200 and '<svg class="chart"' in r.text, r.status_code
            size = len(r.content)
    return times[0], times[1:], size


def browser(base: str, token: str, path: str, runs: int) -> list[float] | None:
    """Navigation-to-load ms of ``path`` in Chromium, per run (None without Chromium)."""
    if not CHROMIUM.exists():
        return None
    out: list[float] = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = b.new_context(base_url=base, viewport={"width": 1280, "height": 800}).new_page()
        page.goto("/ui/sign-in")
        page.get_by_label("API token").fill(token)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/ui/incidents")
        page.goto(path)  # warm the browser's cache of the stylesheet and script
        for _ in range(runs):
            page.goto(path, wait_until="load")
            load = page.evaluate(
                "() => { const n = performance.getEntriesByType('navigation')[0];"
                " return n.loadEventEnd - n.startTime; }"
            )
            out.append(float(load))
        b.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    scope = f"bench-ui-{uuid.uuid4().hex[:8]}"
    with RcaGraph.open(settings) as rca:
        rca.apply_schema()
        rca.load_bundle(DEMO, scope=scope)
        rca.write_back(rca.rank(INCIDENT, scope))
        token = rca.workflow.tokens.create(f"bench-{scope}", Role.viewer, scopes=[scope])
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(rca), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        path = f"/ui/incidents/{INCIDENT}?scope={scope}"
        try:
            cold, warm, size = served(base, token, path, args.runs)
            loads = browser(base, token, path, args.runs)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            rca.workflow.tokens.revoke(f"bench-{scope}", SYSTEM)
            rca.delete_scope(scope)
    lines = [
        SECTION,
        "",
        f"Command: `.venv/bin/python -m bench.workspace_latency --runs {args.runs}` (2-core "
        "machine, shared; the demo bundle in a scratch scope of the managed Neo4j). The page: "
        f"`/ui/incidents/{INCIDENT}` with its timeline chart and dependency subgraph "
        f"({size / 1024:.0f} KiB of HTML; the impact section comes after it).",
        "",
        "| what | p50 ms | p95 ms | max ms |",
        "| --- | ---: | ---: | ---: |",
        f"| served: the whole answer, first request after start | {cold:.0f} | | |",
        f"| served: the whole answer, {len(warm)} requests | {statistics.median(warm):.0f} | "
        f"{_pct(warm, 95):.0f} | {max(warm):.0f} |",
    ]
    if loads:
        lines.append(
            f"| Chromium: navigation to the load event, {len(loads)} loads | "
            f"{statistics.median(loads):.0f} | {_pct(loads, 95):.0f} | {max(loads):.0f} |"
        )
    else:
        lines.append("| Chromium: not measured (no /usr/bin/chromium) | | | |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write_docs:
        replace_section(DOCS, text)


if __name__ == "__main__":
    main()
