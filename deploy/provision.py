"""Fetch and build the servers the project runs without Docker, cached across clones.

Kafka's jars come from Maven Central (``deploy/kafka/pom.xml``); FerretDB is built from the Go
module proxy with our patches (``deploy/ferretdb/patches``), and so is vegeta, the benchmarks'
HTTP load generator. An artifact is rebuilt only when
the hash of its inputs changes. Also the errors and small helpers ``infra.py`` shares.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KAFKA_POM = REPO / "deploy" / "kafka" / "pom.xml"
FERRETDB_SRC = REPO / "deploy" / "ferretdb"
FERRETDB_INPUTS = ("go.mod", "go.sum", "main.go")
FERRETDB_MODULE = "github.com/FerretDB/FerretDB"
VEGETA = "github.com/tsenart/vegeta/v12@v12.12.0"  # the benchmarks' HTTP load generator (make bench)
MVN_COPY = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies"
RECIPE = "1"  # part of every cache stamp: bump it when the fetch/build recipe itself changes
LOG_TAIL_LINES = 30
HINTS = {
    "java": "a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)",
    "mvn": "Apache Maven 3 (e.g. apt-get install maven)",
    "go": "Go 1.24+ (https://go.dev/dl/), or put a real mongod on PATH",
}


class InfraError(Exception):
    """A provisioning step failed; the message says what happened and what to do."""


class MissingPrerequisite(InfraError):
    """A tool or Python package needed here is not installed."""


def cache_dir() -> Path:
    """Downloads and builds shared by all clones ($KABINET_CACHE_DIR, ~/.cache/kabinet)."""
    return Path(os.environ.get("KABINET_CACHE_DIR") or Path.home() / ".cache" / "kabinet")


def kafka_lib() -> Path:
    """Directory holding the Kafka broker's jars."""
    return cache_dir() / "kafka" / "lib"


def ferretdb_bin() -> Path:
    """Path of the FerretDB wrapper binary."""
    return cache_dir() / "ferretdb" / "ferretdb"


def say(message: str) -> None:
    """Print a progress line."""
    print(f"[infra] {message}", file=sys.stderr, flush=True)


def require(tool: str) -> str:
    """Path of a tool on PATH, or a MissingPrerequisite naming what to install."""
    path = shutil.which(tool)
    if path is None:
        raise MissingPrerequisite(f"'{tool}' not found on PATH: install {HINTS[tool]}")
    return path


def require_java() -> None:
    """Check that a Java 17+ runtime is on PATH (Kafka 4 needs it)."""
    require("java")
    out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(?:1\.)?(\d+)', out)
    if match and int(match.group(1)) < 17:
        raise MissingPrerequisite(f"Kafka 4 needs Java 17+, found {match.group(1)}: install {HINTS['java']}")


def run(cmd: list[str], *, what: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    """Run a command to completion; on failure raise with the tail of its output."""
    done = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        output = "\n".join((done.stdout + done.stderr).splitlines()[-LOG_TAIL_LINES:])
        raise InfraError(f"{what} failed (exit {done.returncode}):\n{output}")


def tail(path: Path, lines: int) -> str:
    """The last lines of a text file, read from its end."""
    if not path.exists():
        return f"(no log at {path})"
    with path.open("rb") as fh:
        pos = fh.seek(0, os.SEEK_END)
        data = b""
        while pos > 0 and data.count(b"\n") <= lines:
            step = min(8192, pos)
            pos -= step
            fh.seek(pos)
            data = fh.read(step) + data
    return b"\n".join(data.splitlines()[-lines:]).decode(errors="replace")


_HELD_LOCKS: set[str] = set()


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive flock on path; re-entrant within this process."""
    if str(path) in _HELD_LOCKS:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        _HELD_LOCKS.add(str(path))
        try:
            yield
        finally:
            _HELD_LOCKS.discard(str(path))


def _digest(paths: Iterable[Path]) -> str:
    """Hash of the recipe version and the given input files."""
    sha = hashlib.sha256(RECIPE.encode())
    for path in paths:
        sha.update(path.name.encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()


def _cached(
    what: str,
    artifact: Path,
    inputs: list[Path],
    build: Callable[[Path], None],
    force: bool = False,
) -> Path:
    """Build artifact via build(tmp_path) unless its stamp matches the inputs' hash."""
    stamp = artifact.with_name(artifact.name + ".stamp")
    digest = _digest(inputs)
    with locked(cache_dir() / ".lock"):
        if not force and artifact.exists() and stamp.exists() and stamp.read_text() == digest:
            return artifact
        tmp = artifact.with_name(artifact.name + ".tmp")
        remove(tmp)
        tmp.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        build(tmp)
        remove(artifact)
        os.replace(tmp, artifact)
        stamp.write_text(digest)
        say(f"{what} ready in {time.monotonic() - started:.1f}s ({artifact})")
    return artifact


def remove(path: Path) -> None:
    """Delete a file or directory tree if present."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _mvn_copy(out: Path) -> None:
    """Collect the broker's runtime classpath from Maven Central into out."""
    require("mvn")
    say("fetching Kafka jars with Maven ...")
    run(
        [
            "mvn",
            "-B",
            "-q",
            "-f",
            str(KAFKA_POM),
            MVN_COPY,
            "-DincludeScope=runtime",
            f"-DoutputDirectory={out}",
        ],
        what="mvn copy-dependencies",
        cwd=KAFKA_POM.parent,
    )


def _ferretdb_patches() -> list[Path]:
    """Our fixes to FerretDB's module, applied in name order (deploy/ferretdb/patches)."""
    return sorted((FERRETDB_SRC / "patches").glob("*.patch"))


def _go_build(out: Path) -> None:
    """Build the FerretDB wrapper (pure Go, no cgo) into out, against the patched module.

    The module comes from the Go module proxy as pinned by go.sum; a copy of it gets the
    patches, and a copy of the wrapper builds against that copy through a `replace`.
    """
    require("go")
    say("building FerretDB (the first build compiles SQLite: minutes) ...")
    env = {**os.environ, "CGO_ENABLED": "0"}
    work = out.with_name(out.name + ".src")
    remove(work)
    wrapper, module = work / "wrapper", work / "module"
    shutil.copytree(FERRETDB_SRC, wrapper, ignore=shutil.ignore_patterns("patches"))
    listing = subprocess.run(
        ["go", "mod", "download", "-json", FERRETDB_MODULE],
        cwd=wrapper, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if listing.returncode != 0:
        raise InfraError(f"go mod download {FERRETDB_MODULE} failed:\n{listing.stderr[-2000:]}")
    shutil.copytree(json.loads(listing.stdout)["Dir"], module)
    for path in [module, *module.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)  # the module cache is read-only
    for patch in _ferretdb_patches():
        run(["git", "apply", "--verbose", str(patch)], what=f"applying {patch.name}", cwd=module)
    run(["go", "mod", "edit", f"-replace={FERRETDB_MODULE}={module}"], what="go mod edit", cwd=wrapper)
    run(["go", "build", "-o", str(out), "."], what="go build of deploy/ferretdb", cwd=wrapper, env=env)
    remove(work)


def fetch_kafka(force: bool = False) -> Path:
    """Kafka jars, fetched unless cached for the current pom.xml."""
    return _cached("Kafka jars", kafka_lib(), [KAFKA_POM], _mvn_copy, force)


def fetch_ferretdb(force: bool = False) -> Path:
    """FerretDB binary, built unless cached for the current Go sources."""
    inputs = [FERRETDB_SRC / name for name in FERRETDB_INPUTS] + _ferretdb_patches()
    return _cached("FerretDB", ferretdb_bin(), inputs, _go_build, force)


def vegeta_bin() -> Path:
    """Path of the vegeta binary (its version in the path: a new pin builds anew)."""
    return cache_dir() / "vegeta" / VEGETA.rsplit("@", 1)[1] / "vegeta"


def _go_install_vegeta(out: Path) -> None:
    """`go install` the pinned vegeta from the Go module proxy (checked against its go.sum)."""
    require("go")
    gobin = out.with_name(out.name + ".gobin")
    remove(gobin)
    env = {**os.environ, "CGO_ENABLED": "0", "GOBIN": str(gobin)}
    run(["go", "install", VEGETA], what=f"go install {VEGETA}", env=env)
    os.replace(gobin / "vegeta", out)
    remove(gobin)


def fetch_vegeta(force: bool = False) -> Path:
    """vegeta, built unless cached for the pinned version."""
    return _cached("vegeta", vegeta_bin(), [], _go_install_vegeta, force)
