"""The bounds on input, in one place (docs/security.md lists them).

A leaf module: it imports nothing of rcagraph.
"""

from __future__ import annotations

#: a receiver's or the bundle upload's body, in bytes (checked against ``Content-Length``
#: before the body is read, and while a body without one is read)
MAX_BODY_BYTES = 64 * 1024 * 1024
#: a line of a JSON-lines or CSV file, in bytes; a longer line is rejected, the others load
MAX_LINE_BYTES = 16 * 1024 * 1024
#: a file read whole as one document (``incident.json``, ``alerts/*.json``, Prometheus
#: ``metrics/*.json``, OTLP ``*.json``, catalog YAML), in bytes: checked before it is read; the
#: receivers' body limit, so a payload they accept is a file its loader reads
MAX_DOCUMENT_BYTES = MAX_BODY_BYTES
#: an id, fingerprint or name that goes into an index-backed property, in characters
MAX_KEY_CHARS = 1024

#: limits while a bundle archive is extracted: members, decompressed bytes in total, and the
#: ratio of decompressed to archive bytes (with a floor, so a small archive of text may expand)
MAX_ARCHIVE_MEMBERS = 10_000
MAX_ARCHIVE_BYTES = 1 << 30
MAX_ARCHIVE_RATIO = 200
ARCHIVE_RATIO_FLOOR_BYTES = 64 << 20
