"""The ``Content-Type`` a receiver reads, checked in one place before the body is read.

Every receiver names the media types it reads (:data:`JSON`, :data:`CDEVENTS`, :data:`OTLP`,
:data:`ARCHIVE`) and calls :func:`require_content_type` before reading the body; any other type
is an :class:`~rcagraph.errors.UnsupportedMediaTypeError` (415, ``field: Content-Type``).
Parameters (``; charset=utf-8``) are ignored, the type is compared case-insensitively. A request
**without** ``Content-Type`` is read as the receiver's first type (JSON, or a raw archive): the
receivers' own senders always set it, and a hand-written request without one is unambiguous.
curl's default for ``-d``/``--data-binary``, ``application/x-www-form-urlencoded``, is refused
with a message saying which ``-H`` to add.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request

from rcagraph.errors import UnsupportedMediaTypeError

#: a JSON receiver (Alertmanager, LaunchDarkly, Unleash, and new ones by default)
JSON: tuple[str, ...] = ("application/json",)
#: CDEvents: plain JSON, or a CloudEvent in structured (or batched) content mode
CDEVENTS: tuple[str, ...] = (
    "application/json",
    "application/cloudevents+json",
    "application/cloudevents-batch+json",
)
#: OTLP/HTTP: the two encodings of the specification
PROTOBUF = "application/x-protobuf"
OTLP: tuple[str, ...] = ("application/json", PROTOBUF)
#: a bundle upload: the archive as the body, or the one file part of a form
MULTIPART = "multipart/form-data"
ARCHIVE: tuple[str, ...] = (
    "application/octet-stream",
    "application/gzip",
    "application/x-gzip",
    "application/x-tar",
    "application/x-gtar",
    "application/zip",
    "application/x-zip-compressed",
    MULTIPART,
)

FORM = "application/x-www-form-urlencoded"


def media_type(request: Request) -> str | None:
    """The request's media type, lower case and without parameters; None when absent."""
    header = request.headers.get("content-type")
    if header is None:
        return None
    media = header.split(";", 1)[0].strip().lower()
    return media or None


def require_content_type(request: Request, accepted: Sequence[str]) -> str:
    """The media type to read the body as: the request's if ``accepted``, ``accepted[0]`` when
    the request has none; otherwise a 415 naming the header, the endpoint and what it reads."""
    media = media_type(request)
    if media is None:
        return accepted[0]
    if media in accepted:
        return media
    hint = ""
    if media == FORM:
        hint = (
            f" (curl -d and --data-binary send {FORM} unless told otherwise: add "
            f"-H 'Content-Type: {accepted[0]}')"
        )
    raise UnsupportedMediaTypeError(
        f"Content-Type {media!r} is not accepted by {request.method} {request.url.path}: send "
        f"{', '.join(accepted)}{hint}",
        field="Content-Type",
    )
