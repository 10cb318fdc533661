"""The configuration of the managed server: loopback only, sized for a small machine."""

from __future__ import annotations

import socket
from pathlib import Path

from rcagraph.errors import PortInUseError

#: JVM options the Neo4j 5 launcher would pass (from the default neo4j.conf of 5.26).
JVM_OPTIONS: tuple[str, ...] = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def choose_port(preferred: int, *, strict: bool, avoid: set[int] | None = None) -> int:
    """``preferred`` when free; else a free port, or :class:`PortInUseError` when ``strict``."""
    taken = avoid or set()
    if preferred not in taken and port_is_free(preferred):
        return preferred
    if strict:
        raise PortInUseError(
            f"port {preferred} on 127.0.0.1 is in use by another process; free it or choose "
            "another port (RCAGRAPH_BOLT_PORT / RCAGRAPH_HTTP_PORT)"
        )
    while True:
        port = free_port()
        if port not in taken:
            return port


def render_conf(
    *,
    data_dir: Path,
    logs_dir: Path,
    plugins_dir: Path,
    run_dir: Path,
    bolt_port: int,
    http_port: int,
    pagecache: str,
    apoc: bool,
) -> str:
    lines = [
        "# Written by rcagraph (rcagraph db start); changes are overwritten on the next start.",
        "server.default_listen_address=127.0.0.1",
        "server.default_advertised_address=127.0.0.1",
        f"server.bolt.listen_address=127.0.0.1:{bolt_port}",
        f"server.bolt.advertised_address=127.0.0.1:{bolt_port}",
        "server.http.enabled=true",
        f"server.http.listen_address=127.0.0.1:{http_port}",
        f"server.http.advertised_address=127.0.0.1:{http_port}",
        "server.https.enabled=false",
        f"server.memory.pagecache.size={pagecache}",
        "dbms.memory.transaction.total.max=512m",
        "dbms.usage_report.enabled=false",
        "dbms.security.auth_enabled=true",
        "db.tx_log.rotation.retention_policy=1 files",
        f"server.directories.data={data_dir}",
        f"server.directories.logs={logs_dir}",
        f"server.directories.plugins={plugins_dir}",
        f"server.directories.run={run_dir}",
    ]
    if apoc:
        lines.append("dbms.security.procedures.unrestricted=apoc.*")
    return "\n".join(lines) + "\n"
