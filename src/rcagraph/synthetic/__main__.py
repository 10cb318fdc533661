"""``python -m rcagraph.synthetic --out DIR --per-system N --seed S``: write synthetic bundles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rcagraph.synthetic.incidents import TOPOLOGIES, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rcagraph.synthetic", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench/out/synthetic"))
    parser.add_argument("--per-system", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--systems", default=",".join(TOPOLOGIES), help="comma-separated: " + ", ".join(TOPOLOGIES)
    )
    args = parser.parse_args(argv)
    systems = [s for s in args.systems.split(",") if s]
    unknown = [s for s in systems if s not in TOPOLOGIES]
    if unknown:
        parser.error(f"unknown system(s): {', '.join(unknown)}")
    paths = generate(args.out, systems, args.per_system, args.seed)
    print(f"wrote {len(paths)} bundles under {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
