"""Cold setup and warm start of the managed Neo4j (issue: Foundation).

Cold: an empty Maven local repository and an empty rcagraph home, so every jar is downloaded
from Maven Central (resolve + download + assemble), then the first start (store creation,
password set). Warm: stop, then start again on the existing store. Each step is timed with
the wall clock; ``--runs`` repeats the warm start.

    python -m bench.server_setup [--runs 3] [--write-docs]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.docs import replace_section
from rcagraph.server.manager import LocalServer
from rcagraph.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rcagraph-cold-") as tmp:
        root = Path(tmp)
        os.environ["MAVEN_OPTS"] = f"-Dmaven.repo.local={root / 'm2'}"
        settings = Settings(home=root / "home", server_name="bench", neo4j_uri="")
        server = LocalServer(settings)
        t0 = time.monotonic()
        dist = server.distribution()
        install_s = time.monotonic() - t0
        t0 = time.monotonic()
        server.start()
        first_start_s = time.monotonic() - t0
        warm: list[float] = []
        for _ in range(args.runs):
            server.stop()
            t0 = time.monotonic()
            server.start()
            warm.append(time.monotonic() - t0)
        t0 = time.monotonic()
        server.stop()
        stop_s = time.monotonic() - t0
        jars = len(list(dist.lib.glob("*.jar"))) + len(dist.apoc_jars)
    lines = [
        "## Managed Neo4j setup",
        "",
        "Command: `python -m bench.server_setup --runs "
        f"{args.runs}` (2-core machine; an empty Maven repository and rcagraph home).",
        "",
        "| step | seconds |",
        "| --- | ---: |",
        f"| cold setup: resolve and download Neo4j {dist.version} + APOC ({jars} jars) | "
        f"{install_s:.1f} |",
        f"| first start (new store, password set) | {first_start_s:.1f} |",
        f"| warm start, median of {len(warm)} (min {min(warm):.1f}, max {max(warm):.1f}) | "
        f"{statistics.median(warm):.1f} |",
        f"| stop | {stop_s:.1f} |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        replace_section(Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md", text)


if __name__ == "__main__":
    main()
