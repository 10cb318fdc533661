"""Settings, read from the environment with the ``RCAGRAPH_`` prefix.

Settings are built at the edge (CLI entry point, API factory, test fixtures) and passed in;
nothing in the library reads the environment on its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rcagraph.loaders.redact import BUILTIN, Redactor, check_disabled, compile_patterns


def _default_home() -> Path:
    return Path.home() / ".cache" / "rcagraph"


class Settings(BaseSettings):
    """Everything rcagraph can be configured with.

    ``neo4j_uri`` empty means: use the managed local server (``rcagraph db start``).
    """

    model_config = SettingsConfigDict(env_prefix="RCAGRAPH_", extra="ignore")

    # --- graph connection -------------------------------------------------------------
    neo4j_uri: str = Field(default="", description="Bolt URI of an external Neo4j; empty: managed")
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str = "neo4j"
    neo4j_connection_timeout_s: float = Field(
        default=2.0, gt=0, description="seconds to open a connection to Neo4j before giving up"
    )
    neo4j_acquisition_timeout_s: float = Field(
        default=3.0,
        gt=0,
        description="seconds to get a connection from the driver's pool (a busy or lost "
        "server answers 503 after this)",
    )
    neo4j_retry_time_s: float = Field(
        default=1.0,
        ge=0,
        description="seconds the driver keeps retrying a transaction on a transient error or "
        "a lost server before the request answers 503",
    )

    # --- managed local server -----------------------------------------------------------
    home: Path = Field(default_factory=_default_home, description="cache and server state")
    neo4j_version_range: str = Field(
        default="[5.26.0,5.27.0)", description="Maven version range of Neo4j to resolve"
    )
    apoc: bool = Field(default=True, description="load APOC core when it resolves")
    server_name: str = Field(default="default", description="name of the managed instance")
    bolt_port: int = 7687
    http_port: int = 7474
    heap_size: str = "1g"
    pagecache_size: str = "512m"
    start_timeout_s: float = 120.0
    mvn: str = "mvn"
    java: str = "java"

    # --- loading --------------------------------------------------------------------------
    batch_size: int = Field(default=5000, ge=1)
    data_dir: Path | None = Field(
        default=None, description="where raw series/log lines go as Parquet; default HOME/data"
    )
    redact_disable: list[str] = Field(
        default_factory=list,
        description="built-in redaction detectors to switch off (JSON list of names: "
        + ", ".join(BUILTIN)
        + ")",
    )
    redact_patterns: dict[str, str] = Field(
        default_factory=dict,
        description="further redaction patterns, a JSON object of name → regular expression; "
        "a match is masked as [name]",
    )

    # --- API --------------------------------------------------------------------------------
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    launchdarkly_webhook_secret: SecretStr | None = Field(
        default=None,
        description="the LaunchDarkly webhook's signing secret; unset: the receiver needs a "
        "token. An empty secret is refused (a body signed with the empty key would pass)",
    )
    bootstrap_admin_token: SecretStr | None = Field(
        default=None, description="an admin token created at API start when none exists"
    )
    # --- the web workspace (/ui) ---------------------------------------------------------
    ui_cookie_secure: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="the Secure attribute of the workspace's cookies: auto = set unless the "
        "page was asked for over plain HTTP on a loopback address",
    )
    ui_session_hours: float = Field(
        default=12.0, gt=0, le=24 * 30, description="a workspace session's lifetime"
    )

    @property
    def managed(self) -> bool:
        return not self.neo4j_uri

    @property
    def server_dir(self) -> Path:
        return self.home / "servers" / self.server_name

    @property
    def dist_dir(self) -> Path:
        return self.home / "dist"

    @property
    def raw_data_dir(self) -> Path:
        return self.data_dir if self.data_dir is not None else self.home / "data"

    def redactor(self) -> Redactor:
        """The redactor loads mask free text with (every built-in detector not disabled, and
        the configured patterns)."""
        return Redactor.configured(self.redact_disable, self.redact_patterns)

    @field_validator("redact_disable")
    @classmethod
    def _known_detectors(cls, value: list[str]) -> list[str]:
        return list(check_disabled(value))

    @field_validator("redact_patterns")
    @classmethod
    def _patterns_compile(cls, value: dict[str, str]) -> dict[str, str]:
        compile_patterns(value)
        return value

    @field_validator("launchdarkly_webhook_secret")
    @classmethod
    def _secret_not_empty(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError(
                "RCAGRAPH_LAUNCHDARKLY_WEBHOOK_SECRET is empty: set the webhook's signing "
                "secret, or unset the variable to require a token"
            )
        return value
