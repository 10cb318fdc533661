"""Resolving a Neo4j Community distribution (and APOC core) with Maven.

Maven resolves a version *range*, so the newest 5.26 patch that Maven Central serves is the
one installed. The result is a directory ``dist/neo4j-<version>/`` with ``lib/`` (the server
class path) and ``plugins/`` (APOC core when it resolved). Nothing is written into the repo.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rcagraph.errors import MavenError

_VERSIONS_PLUGIN = "org.codehaus.mojo:versions-maven-plugin:2.18.0"

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.rcagraph.local</groupId>
  <artifactId>{name}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
{deps}
  </dependencies>
</project>
"""

_DEP = (
    "    <dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
    "<version>{version}</version></dependency>"
)


def _write_pom(directory: Path, name: str, deps: list[tuple[str, str, str]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    body = "\n".join(_DEP.format(group=g, artifact=a, version=v) for g, a, v in deps)
    pom = directory / "pom.xml"
    pom.write_text(_POM.format(name=name, deps=body))
    return pom


_RESOLVED = re.compile(
    r"<groupId>([^<]+)</groupId><artifactId>([^<]+)</artifactId><version>([^<]+)</version>"
)
_NETWORK_HINTS = ("UnknownHost", "Could not transfer", "Connection refused", "timed out")


@dataclass(frozen=True, slots=True)
class Distribution:
    version: str
    home: Path

    @property
    def lib(self) -> Path:
        return self.home / "lib"

    @property
    def plugins(self) -> Path:
        return self.home / "plugins"

    @property
    def has_browser(self) -> bool:
        return any(self.lib.glob("neo4j-browser-*.jar"))

    @property
    def apoc_jars(self) -> list[Path]:
        return sorted(self.plugins.glob("apoc-*.jar"))


def installed_distributions(dist_dir: Path) -> list[Distribution]:
    """Distributions already in the cache, newest first."""
    found: list[Distribution] = []
    if not dist_dir.is_dir():
        return found
    for child in dist_dir.iterdir():
        if child.is_dir() and child.name.startswith("neo4j-") and (child / "COMPLETE").exists():
            found.append(Distribution(child.name.removeprefix("neo4j-"), child))
    found.sort(key=lambda d: tuple(int(p) for p in d.version.split(".")), reverse=True)
    return found


def _run_mvn(mvn: str, pom: Path, goal: list[str]) -> None:
    if shutil.which(mvn) is None:
        raise MavenError(
            f"Maven was not found ({mvn!r} is not on PATH); install it "
            "(e.g. `apt-get install maven`) or set RCAGRAPH_MVN."
        )
    cmd = [mvn, "-B", "-q", "-f", str(pom), *goal]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    except subprocess.TimeoutExpired as exc:
        raise MavenError("Maven did not finish resolving Neo4j within 30 minutes") from exc
    if proc.returncode != 0:
        text = (proc.stdout + proc.stderr).strip()
        tail = "\n".join(text.splitlines()[-15:])
        if any(hint in text for hint in _NETWORK_HINTS):
            raise MavenError(
                "Maven Central is not reachable, so Neo4j cannot be downloaded "
                f"(check the network or a Maven mirror in ~/.m2/settings.xml):\n{tail}"
            )
        raise MavenError(f"Maven failed to resolve the artifacts:\n{tail}")


def _copy(mvn: str, pom: Path, output: Path, *, transitive: bool, exclude_groups: str = "") -> None:
    goal = ["dependency:copy-dependencies", f"-DoutputDirectory={output}", "-DincludeScope=runtime"]
    if not transitive:
        goal.append("-DexcludeTransitive=true")
    if exclude_groups:
        goal.append(f"-DexcludeGroupIds={exclude_groups}")
    _run_mvn(mvn, pom, goal)


def _resolve_apoc(work: Path, mvn: str, version: str, lib: Path, plugins: Path) -> bool:
    """APOC core and its common module, minus what the server already has on its class path.

    Optional: on any failure the plugins folder is left empty and the server runs without it.
    """
    pom = _write_pom(
        work / "apoc",
        "apoc",
        [
            ("org.neo4j.procedure", "apoc-core", version),
            ("org.neo4j.procedure", "apoc-common", version),
        ],
    )
    staging = work / "apoc-jars"
    try:
        _copy(mvn, pom, staging, transitive=True)
    except MavenError:
        return False
    on_server = {p.name for p in lib.glob("*.jar")}
    for jar in staging.glob("*.jar"):
        if jar.name not in on_server:
            shutil.move(str(jar), plugins / jar.name)
    return True


def resolve_versions(
    work: Path, mvn: str, wanted: list[tuple[str, str, str]]
) -> dict[tuple[str, str], str]:
    """Resolve version ranges to the newest versions Maven Central serves.

    Ranges are resolved from repository metadata alone (versions-maven-plugin), which is fast;
    a range dependency in a POM would make Maven collect the dependency tree of every version
    in the range. An artifact with no version in its range is left out of the answer.
    """
    found: dict[tuple[str, str], str] = {}
    for group, artifact, version_range in wanted:
        pom = _write_pom(work / f"range-{artifact}", "ranges", [(group, artifact, version_range)])
        try:
            _run_mvn(mvn, pom, [f"{_VERSIONS_PLUGIN}:resolve-ranges", "-DgenerateBackupPoms=false"])
        except MavenError:
            if artifact == "neo4j":
                raise
            continue
        for g, a, v in _RESOLVED.findall(pom.read_text()):
            if not v.startswith(("[", "(")):
                found[(g, a)] = v
    return found


def resolve_distribution(
    dist_dir: Path, version_range: str, *, mvn: str = "mvn", apoc: bool = True
) -> Distribution:
    """Resolve the newest Neo4j in ``version_range`` into ``dist_dir`` and return it."""
    dist_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dist_dir, prefix=".resolve-") as tmp:
        work = Path(tmp)
        neo4j_version = resolve_versions(work, mvn, [("org.neo4j", "neo4j", version_range)]).get(
            ("org.neo4j", "neo4j")
        )
        if neo4j_version is None:
            raise MavenError(f"no Neo4j version in {version_range} resolves from Maven Central")
        target = dist_dir / f"neo4j-{neo4j_version}"
        if (target / "COMPLETE").exists():
            return Distribution(neo4j_version, target)
        major, minor = (int(p) for p in neo4j_version.split(".")[:2])
        optional = [("org.neo4j.client", "neo4j-browser", "[5.0,6.0)")]
        if apoc:
            optional.append(
                ("org.neo4j.procedure", "apoc-core", f"[{major}.{minor}.0,{major}.{minor + 1}.0)")
            )
        versions = resolve_versions(work, mvn, optional)
        lib = work / "lib"
        server_pom = _write_pom(
            work / "server",
            "neo4j-server-assembly",
            [
                ("org.neo4j", "neo4j", neo4j_version),
                ("org.neo4j.app", "neo4j-server", neo4j_version),
            ],
        )
        _copy(mvn, server_pom, lib, transitive=True)
        plugins = work / "plugins"
        plugins.mkdir()
        browser = versions.get(("org.neo4j.client", "neo4j-browser"))
        if browser is not None:
            pom = _write_pom(
                work / "browser", "browser", [("org.neo4j.client", "neo4j-browser", browser)]
            )
            with contextlib.suppress(MavenError):  # optional: the server runs without it
                _copy(mvn, pom, lib, transitive=False)
        apoc_version = versions.get(("org.neo4j.procedure", "apoc-core"))
        if apoc_version is not None:
            _resolve_apoc(work, mvn, apoc_version, lib, plugins)
        if target.exists():
            shutil.rmtree(target)
        target.mkdir()
        shutil.move(str(lib), target / "lib")
        shutil.move(str(plugins), target / "plugins")
        (target / "COMPLETE").write_text(neo4j_version + "\n")
        return Distribution(neo4j_version, target)
