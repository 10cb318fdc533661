"""The one error hierarchy of rcagraph.

Every error rcagraph raises on purpose derives from :class:`RcaGraphError`. Errors from the
Neo4j driver are translated where they enter (:mod:`rcagraph.graph`), so callers never catch
``neo4j.exceptions`` themselves. HTTP status codes are decided in one place,
:mod:`rcagraph.api.errors`, from the classes below.
"""

from __future__ import annotations


class RcaGraphError(Exception):
    """Base class of every error rcagraph raises on purpose."""


# --- configuration and environment -------------------------------------------------------


class ConfigurationError(RcaGraphError):
    """Settings are missing or contradict each other."""


class ServerError(RcaGraphError):
    """The managed local Neo4j server cannot be set up, started or stopped."""


class JavaMissingError(ServerError):
    """No usable Java (17 or newer) was found."""


class MavenError(ServerError):
    """Maven is missing, or could not resolve Neo4j from Maven Central."""


class PortInUseError(ServerError):
    """A port the server must listen on is taken by another process."""


class ServerStartError(ServerError):
    """The server process died or did not answer in time; carries the tail of its log."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message if not log_tail else f"{message}\n--- log tail ---\n{log_tail}")
        self.log_tail = log_tail


# --- graph access ---------------------------------------------------------------------------


class GraphError(RcaGraphError):
    """A Neo4j operation failed (translated from a driver error)."""


class GraphUnavailableError(GraphError):
    """Neo4j cannot be reached (server down, wrong URI)."""


class GraphAuthError(GraphError):
    """Neo4j refused the credentials."""


class GraphConstraintError(GraphError):
    """A write broke a constraint of the graph model."""


class GraphQueryError(GraphError):
    """A query was rejected by the server (syntax, types, missing procedure)."""


class SchemaError(RcaGraphError):
    """The graph schema is missing, too old, or newer than this rcagraph knows."""


# --- input -----------------------------------------------------------------------------------


class InputError(RcaGraphError):
    """Input cannot be used. Carries where: file, line (or JSON pointer) and field."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        pointer: str | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.pointer = pointer
        self.field = field
        self.reason = message
        super().__init__(self.describe())

    def describe(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.pointer is not None:
            where.append(f"at {self.pointer}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class PayloadTooLargeError(InputError):
    """A request body (or an upload) over the size limit; refused before it is read whole."""


class UnsupportedMediaTypeError(InputError):
    """A request body of a ``Content-Type`` the endpoint does not read (named in ``field``)."""


class BundleError(InputError):
    """An incident bundle as a whole cannot be used (e.g. incident.json missing)."""


class RejectedRecordsError(RcaGraphError):
    """A load finished but rejected records; the report says which and where."""

    def __init__(self, message: str, rejected: int) -> None:
        super().__init__(message)
        self.rejected = rejected


# --- domain ----------------------------------------------------------------------------------


class NotFoundError(RcaGraphError):
    """A named thing (incident, post-mortem, action, model file) does not exist."""


class ConflictError(RcaGraphError):
    """The request conflicts with the current state (e.g. a stale version)."""


class WorkflowError(RcaGraphError):
    """A transition the workflow does not allow (out of order, gate not met, read-only)."""


class PermissionDeniedError(RcaGraphError):
    """The caller's role does not allow the operation."""


class AuthenticationError(RcaGraphError):
    """No valid credentials were given."""


class ModelError(RcaGraphError):
    """A ranker or forecaster cannot be trained, saved or loaded."""


class NotFittedError(ModelError):
    """A learned model was used before ``fit`` or ``load``."""
