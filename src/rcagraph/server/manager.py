"""Running the managed Neo4j in the background: start, stop, status.

State lives in ``HOME/servers/NAME/``: ``conf/``, ``data/``, ``logs/``, ``state.json`` (pid,
ports, version, generated password; readable by the owner only).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

import neo4j
from neo4j import exceptions as neo4j_exc

from rcagraph.errors import ServerError, ServerStartError
from rcagraph.server.config import JVM_OPTIONS, choose_port, render_conf
from rcagraph.server.java import require_java
from rcagraph.server.maven import Distribution, installed_distributions, resolve_distribution
from rcagraph.settings import Settings

_INITIAL_PASSWORD = "neo4j"  # noqa: S105 - Neo4j's documented initial password, changed at once
_ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"


class ServerStatus(StrEnum):
    NOT_INSTALLED = "not installed"
    STOPPED = "stopped"
    RUNNING = "running"


@dataclass(slots=True)
class ServerState:
    """What ``state.json`` holds about the managed server."""

    version: str
    pid: int
    bolt_port: int
    http_port: int
    user: str
    password: str
    browser: bool
    apoc: bool

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def browser_url(self) -> str | None:
        return f"{self.http_url}/browser/" if self.browser else None


@dataclass(frozen=True, slots=True)
class StatusReport:
    status: ServerStatus
    version: str | None
    bolt_uri: str | None
    browser_url: str | None
    pid: int | None
    home: Path


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child still answers kill(0); look at /proc where there is one
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        with contextlib.suppress(OSError, IndexError):
            return stat.read_text().split(") ", 1)[1][0] != "Z"
    return True


class LocalServer:
    """One managed Neo4j instance, named by ``settings.server_name``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = settings.server_dir
        self.state_file = self.dir / "state.json"
        self.logs_dir = self.dir / "logs"

    # -- installation ---------------------------------------------------------------------

    def distribution(self, *, upgrade: bool = False) -> Distribution:
        """The installed distribution, resolving it with Maven when there is none."""
        installed = installed_distributions(self.settings.dist_dir)
        if installed and not upgrade:
            return installed[0]
        require_java(self.settings.java)
        return resolve_distribution(
            self.settings.dist_dir,
            self.settings.neo4j_version_range,
            mvn=self.settings.mvn,
            apoc=self.settings.apoc,
        )

    # -- state ----------------------------------------------------------------------------

    def read_state(self) -> ServerState | None:
        if not self.state_file.exists():
            return None
        try:
            return ServerState(**json.loads(self.state_file.read_text()))
        except (ValueError, TypeError) as exc:
            raise ServerError(f"{self.state_file} is unreadable: {exc}") from exc

    def _write_state(self, state: ServerState) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(state), indent=2))
        tmp.chmod(0o600)
        tmp.replace(self.state_file)

    def running_state(self) -> ServerState | None:
        state = self.read_state()
        if state is not None and _pid_alive(state.pid):
            return state
        return None

    def status(self) -> StatusReport:
        state = self.read_state()
        if state is not None and _pid_alive(state.pid):
            return StatusReport(
                ServerStatus.RUNNING,
                state.version,
                state.bolt_uri,
                state.browser_url,
                state.pid,
                self.dir,
            )
        installed = installed_distributions(self.settings.dist_dir)
        if not installed:
            return StatusReport(ServerStatus.NOT_INSTALLED, None, None, None, None, self.dir)
        version = state.version if state else installed[0].version
        return StatusReport(ServerStatus.STOPPED, version, None, None, None, self.dir)

    # -- start / stop -----------------------------------------------------------------------

    def start(self) -> tuple[ServerState, bool]:
        """Start the server unless it runs; returns its state and whether it was started now."""
        running = self.running_state()
        if running is not None:
            return running, False
        java_major = require_java(self.settings.java)
        dist = self.distribution()
        fields = self.settings.model_fields_set
        bolt = choose_port(self.settings.bolt_port, strict="bolt_port" in fields)
        http = choose_port(self.settings.http_port, strict="http_port" in fields, avoid={bolt})
        # the store, the configuration (with the password's state) and the logs are the
        # owner's only: other local users may not read them
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o700)
        for sub in ("conf", "data", "logs", "run"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
            (self.dir / sub).chmod(0o700)
        plugins = dist.plugins if (self.settings.apoc and dist.apoc_jars) else self.dir / "plugins"
        plugins.mkdir(parents=True, exist_ok=True)
        if plugins.is_relative_to(self.dir):
            plugins.chmod(0o700)
        conf = self.dir / "conf" / "neo4j.conf"
        conf.touch(mode=0o600)
        conf.chmod(0o600)
        conf.write_text(
            render_conf(
                data_dir=self.dir / "data",
                logs_dir=self.logs_dir,
                plugins_dir=plugins,
                run_dir=self.dir / "run",
                bolt_port=bolt,
                http_port=http,
                pagecache=self.settings.pagecache_size,
                apoc=bool(self.settings.apoc and dist.apoc_jars),
            )
        )
        previous = self.read_state()
        password = previous.password if previous else secrets.token_urlsafe(18)
        heap = self.settings.heap_size
        cmd = [
            self.settings.java,
            f"-Xms{heap}",
            f"-Xmx{heap}",
            *JVM_OPTIONS,
            "-cp",
            f"{dist.lib}/*:{plugins}/*",
            _ENTRY_POINT,
            f"--home-dir={self.dir}",
            f"--config-dir={self.dir / 'conf'}",
        ]
        if java_major < 19:
            cmd.remove("--enable-native-access=ALL-UNNAMED")
        console = self.logs_dir / "console.log"
        console.touch(mode=0o600)
        console.chmod(0o600)  # written by this process, whose umask may let others read
        with console.open("ab") as out:
            proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=self.dir,
                umask=0o077,
            )
        state = ServerState(
            version=dist.version,
            pid=proc.pid,
            bolt_port=bolt,
            http_port=http,
            user="neo4j",
            password=password,
            browser=dist.has_browser,
            apoc=bool(self.settings.apoc and dist.apoc_jars),
        )
        self._write_state(state)
        try:
            self._wait_ready(proc, state)
        except BaseException:
            self._kill(proc.pid)
            raise
        return state, True

    def _wait_ready(self, proc: subprocess.Popen[bytes], state: ServerState) -> None:
        deadline = time.monotonic() + self.settings.start_timeout_s
        uri = state.bolt_uri
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ServerStartError(
                    f"Neo4j exited during start with code {proc.returncode}", self.log_tail()
                )
            try:
                self._ensure_password(uri, state.password)
                return
            except (neo4j_exc.ServiceUnavailable, neo4j_exc.SessionExpired, OSError):
                time.sleep(0.25)
        raise ServerStartError(
            f"Neo4j did not answer on {uri} within {self.settings.start_timeout_s:.0f} s",
            self.log_tail(),
        )

    @staticmethod
    def _ensure_password(uri: str, password: str) -> None:
        """Connect with the generated password; on a new store, replace the initial one."""
        with neo4j.GraphDatabase.driver(uri, auth=("neo4j", password)) as driver:
            try:
                driver.verify_connectivity()
                return
            except neo4j_exc.AuthError:
                pass
        with neo4j.GraphDatabase.driver(uri, auth=("neo4j", _INITIAL_PASSWORD)) as driver:
            driver.execute_query(
                "ALTER CURRENT USER SET PASSWORD FROM $old TO $new",
                {"old": _INITIAL_PASSWORD, "new": password},
                database_="system",
            )

    def stop(self, timeout_s: float = 60.0) -> bool:
        """Shut the server down cleanly; True if one was running."""
        state = self.running_state()
        if state is None:
            return False
        os.kill(state.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and _pid_alive(state.pid):
            time.sleep(0.2)
            _reap(state.pid)
        if _pid_alive(state.pid):
            self._kill(state.pid)
        return True

    @staticmethod
    def _kill(pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _pid_alive(pid):
            _reap(pid)
            time.sleep(0.1)

    def log_tail(self, lines: int = 30) -> str:
        chunks: list[str] = []
        for name in ("console.log", "neo4j.log"):
            path = self.logs_dir / name
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                chunks.append(f"[{name}]\n" + "\n".join(text))
        return "\n".join(chunks)


def _reap(pid: int) -> None:
    """Collect a child that has exited (when this process started it)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
