"""Stable ids: a node's ``uid`` is derived from its scope, its kind and its source identity."""

from __future__ import annotations

import hashlib

DEFAULT_SCOPE = "default"


def bundle_scope(incident_id: str) -> str:
    """The scope a bundle is loaded into for isolated evaluation."""
    return f"bundle:{incident_id}"


def uid(scope: str, kind: str, *key: str) -> str:
    """``scope|kind|key…`` — readable, stable, and unique per scope and kind.

    Keys longer than 200 characters in total are replaced by their sha256 (hex, 32 chars).
    """
    natural = "|".join(key)
    if len(natural) > 200:
        natural = hashlib.sha256(natural.encode()).hexdigest()[:32]
    return f"{scope}|{kind}|{natural}"


def digest(*parts: str, length: int = 16) -> str:
    """A short stable hash of ``parts`` (for template ids and the like)."""
    h = hashlib.sha256("\x1f".join(parts).encode())
    return h.hexdigest()[:length]
