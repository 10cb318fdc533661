"""The loaders of the incident-bundle contract, in load order (topology first)."""

from __future__ import annotations

from rcagraph.loaders.base import FileLoader


def default_loaders() -> list[FileLoader]:
    """One instance of every file loader rcagraph has, topology and changes first."""
    loaders: list[FileLoader] = []
    # Each loader module registers here (imports kept local so one module's import error names
    # itself). Order matters: components exist before the events that point at them.
    return loaders
