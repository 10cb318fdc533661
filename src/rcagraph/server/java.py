"""Finding a Java runtime of version 17 or newer."""

from __future__ import annotations

import re
import shutil
import subprocess

from rcagraph.errors import JavaMissingError

_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


def java_major_version(java: str = "java") -> int:
    """The major version of ``java``; raises :class:`JavaMissingError` if it is not there."""
    path = shutil.which(java)
    if path is None:
        raise JavaMissingError(
            f"Java was not found ({java!r} is not on PATH). Neo4j 5.26 needs Java 17 or newer: "
            "install a JDK 17 (e.g. `apt-get install openjdk-17-jre-headless`) or set "
            "RCAGRAPH_JAVA to its java binary."
        )
    try:
        out = subprocess.run(
            [path, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise JavaMissingError(f"could not run {path} -version: {exc}") from exc
    match = _VERSION.search(out.stderr + out.stdout)
    if match is None:
        raise JavaMissingError(f"could not read the Java version from: {out.stderr.strip()!r}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0" style
        major = int(match.group(2))
    return major


def require_java(java: str = "java", minimum: int = 17) -> int:
    major = java_major_version(java)
    if major < minimum:
        raise JavaMissingError(
            f"Java {major} found, but Neo4j 5.26 needs Java {minimum} or newer "
            "(set RCAGRAPH_JAVA to a newer java binary)."
        )
    return major
