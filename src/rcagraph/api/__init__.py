"""The HTTP API of rcagraph (FastAPI): thin routers over :mod:`rcagraph.postmortem`."""

from rcagraph.api.app import create_app

__all__ = ["create_app"]
