"""Renders the reference part of ``docs/graph-model.md`` from :mod:`rcagraph.schema.model`.

``python -m rcagraph.schema.reference`` prints it; a unit test checks the docs hold every label,
property and relationship type of the model.
"""

from __future__ import annotations

from rcagraph.schema.model import IDENTITY, NODES, PROVENANCE, RELS


def render() -> str:
    out: list[str] = ["## Node labels", ""]
    for node in NODES:
        extra = (
            f" (also `{'`, `'.join(':' + s for s in node.sublabels)}`)" if node.sublabels else ""
        )
        out.append(f"### `:{node.label}`{extra}")
        out.append("")
        out.append(node.description)
        out.append("")
        out.append("| property | meaning |")
        out.append("| --- | --- |")
        common = IDENTITY + (PROVENANCE if node.provenance else ())
        out.append(
            f"| {', '.join(f'`{p}`' for p in common)} | identity"
            f"{' and provenance' if node.provenance else ''} (see above) |"
        )
        for prop, meaning in node.properties.items():
            out.append(f"| `{prop}` | {meaning} |")
        out.append("")
    out.append("## Relationship types")
    out.append("")
    out.append("| type | from | to | meaning | properties |")
    out.append("| --- | --- | --- | --- | --- |")
    for rel in RELS:
        props = ", ".join(f"`{k}`: {v}" for k, v in rel.properties.items()) or "-"
        out.append(
            f"| `:{rel.type}` | {', '.join(rel.start)} | {', '.join(rel.end)} | "
            f"{rel.description} | {props} |"
        )
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(render())
