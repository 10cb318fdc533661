"""Writing one benchmark's section into docs/benchmarks.md, leaving the others alone."""

from __future__ import annotations

from pathlib import Path

_HEADER = """# Benchmarks

Every figure on this page was produced by a script in `bench/`, on this project's 2-core,
24 GB machine, with the command given in its section. Baselines run in the same process and
on the same data as what they are compared with.
"""


def replace_section(doc: Path, section: str) -> None:
    """Replace the ``## …`` section whose heading ``section`` starts with, or append it."""
    heading = section.splitlines()[0].strip()
    text = doc.read_text() if doc.exists() else _HEADER
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == heading), None)
    if start is None:
        new = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        new = "\n".join([*lines[:start], *section.rstrip("\n").splitlines(), "", *lines[end:]])
        new = new.rstrip("\n") + "\n"
    doc.write_text(new)
