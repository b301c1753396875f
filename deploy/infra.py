#!/usr/bin/env python3
"""Run real Kafka (KRaft) and a MongoDB-protocol server as local processes, without Docker.

CLI: ``python deploy/infra.py fetch|start|wait|status|logs|stop|reset|env|stop-node|start-node``.
API for test fixtures: ``ensure_started()``, ``stop()``, ``stop_node()``, ``start_node()``.
Downloads and builds live in ``$KABINET_CACHE_DIR`` (default ``~/.cache/kabinet``), shared by
every clone; pids, logs and data in ``$KABINET_RUN_DIR`` (default ``<repo>/.run``).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

if str(Path(__file__).resolve().parent) not in sys.path:  # also when loaded by file path
    sys.path.append(str(Path(__file__).resolve().parent))
import pgserver  # deploy/pgserver.py, beside this script
from provision import (  # deploy/provision.py: errors, helpers, fetching and building the servers
    LOG_TAIL_LINES,
    REPO,
    InfraError,
    MissingPrerequisite,
    cache_dir,
    ferretdb_bin,
    fetch_ferretdb,
    fetch_kafka,
    kafka_lib,
    locked,
    remove,
    require_java,
    run,
    say,
    tail,
)

LOG4J_CONFIG = REPO / "deploy" / "kafka" / "log4j2.properties"
HOST = "127.0.0.1"
JVM_OPTS = (
    "-Xms256m",
    "-Xmx512m",
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0
POLL_SECONDS = 0.25
PROBE_DB = "kabinet_probe"
MONGO_BACKENDS = ("auto", "mongod", "postgresql", "sqlite")


@dataclasses.dataclass(frozen=True)
class Node:
    """One server process of the local deployment."""

    name: str
    kind: str  # "kafka", "mongod", "ferretdb" or "postgres" (FerretDB's storage)
    port: int
    home: str  # directory with its config and data; its path marks the process as ours
    node_id: int = 0
    controller_port: int = 0
    storage_port: int = 0  # FerretDB on PostgreSQL: the cluster's port (0: SQLite files)

    @property
    def address(self) -> str:
        """host:port where clients connect."""
        return f"{HOST}:{self.port}"


@dataclasses.dataclass(frozen=True)
class Endpoints:
    """Where the servers listen, and which of them this call started."""

    kafka_bootstrap: str
    mongo_uri: str
    started: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class ProcessStatus:
    """A snapshot of one managed process."""

    name: str
    kind: str
    address: str
    pid: int | None
    reachable: bool
    rss_mb: float | None

    @property
    def healthy(self) -> bool:
        """Running and accepting connections."""
        return self.pid is not None and self.reachable


# ---------------------------------------------------------------- paths and small helpers


def run_dir() -> Path:
    """Pids, logs and data of this clone ($KABINET_RUN_DIR, <repo>/.run)."""
    return Path(os.environ.get("KABINET_RUN_DIR") or REPO / ".run").resolve()


def log_file(name: str) -> Path:
    """Log file of a managed process."""
    return run_dir() / "logs" / f"{name}.log"


def _pid_file(name: str) -> Path:
    """Pid file of a managed process."""
    return run_dir() / "pids" / f"{name}.pid"


def _state_file() -> Path:
    """Where the layout of the running deployment (names, ports, dirs) is kept."""
    return run_dir() / "state.json"


def _env_int(name: str, default: int) -> int:
    """An integer environment variable, or the default."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise InfraError(f"{name}={value!r} is not an integer") from None


def _run_lock() -> contextlib.AbstractContextManager[None]:
    """Serialise start/stop of this run dir across processes (e.g. pytest-xdist workers)."""
    return locked(run_dir() / ".lock")


def fetch(force: bool = False) -> None:
    """Kafka jars, plus FerretDB unless a real mongod serves Mongo."""
    fetch_kafka(force)
    if mongo_backend() != "mongod":
        fetch_ferretdb(force)


def _fetch_for(nodes: Iterable[Node]) -> None:
    """Fetch what the given nodes need."""
    kinds = {node.kind for node in nodes}
    if "kafka" in kinds:
        fetch_kafka()
    if "ferretdb" in kinds:
        fetch_ferretdb()


# ---------------------------------------------------------------- layout


def _kafka_name(node_id: int) -> str:
    """Node 1 is "kafka", the others "kafka-<id>"."""
    return "kafka" if node_id == 1 else f"kafka-{node_id}"


def _kafka_plan(count: int) -> list[Node]:
    """Kafka nodes for a fresh start: one (KAFKA_PORT, default 9092) or three."""
    root = run_dir() / "kafka"
    if count == 1:
        port = _env_int("KAFKA_PORT", 9092)
        cport = _env_int("KAFKA_CONTROLLER_PORT", port + 1)
        # Keyed by port: a standalone controller's own address is written into its log.
        return [Node("kafka", "kafka", port, str(root / f"single-{port}" / "node-1"), 1, cport)]
    if count == 3:
        return [
            Node(
                _kafka_name(i),
                "kafka",
                i * 10000 + 9092,
                str(root / "trio" / f"node-{i}"),
                i,
                i * 10000 + 9093,
            )
            for i in (1, 2, 3)
        ]
    raise InfraError(f"Kafka runs as 1 or 3 nodes, not {count}")


def mongo_backend() -> str:
    """mongod when on PATH, else FerretDB on PostgreSQL when installed, else on SQLite.

    KABINET_MONGO_BACKEND (mongod, postgresql or sqlite) forces one. SQLite is the last
    resort: FerretDB pushes only `_id` equality down to it, so every other query scans.
    """
    chosen = os.environ.get("KABINET_MONGO_BACKEND", "auto").strip() or "auto"
    if chosen not in MONGO_BACKENDS:
        raise InfraError(f"KABINET_MONGO_BACKEND={chosen!r}: one of {', '.join(MONGO_BACKENDS)}")
    if chosen != "auto":
        return chosen
    if shutil.which("mongod"):
        return "mongod"
    return "postgresql" if pgserver.bindir() else "sqlite"


def _mongo_plan() -> list[Node]:
    """The Mongo server on MONGO_PORT (27017), with FerretDB's PostgreSQL on KABINET_PG_PORT."""
    port = _env_int("MONGO_PORT", 27017)
    root = run_dir() / "mongo"
    backend = mongo_backend()
    if backend == "mongod":
        return [Node("mongo", "mongod", port, str(root / "mongod"))]
    if backend == "sqlite":
        return [Node("mongo", "ferretdb", port, str(root / "ferretdb"))]
    pg_port = _env_int("KABINET_PG_PORT", port + 10000 if port + 10000 < 65536 else port - 10000)
    return [
        Node("postgres", "postgres", pg_port, str(root / "postgres")),
        Node("mongo", "ferretdb", port, str(root / "ferretdb-pg"), storage_port=pg_port),
    ]


def _load_state() -> list[Node]:
    """Nodes of the current deployment, as recorded at start."""
    try:
        return [Node(**item) for item in json.loads(_state_file().read_text())]
    except FileNotFoundError:
        return []


def _save_state(nodes: list[Node]) -> None:
    """Record the deployment's layout for later commands."""
    _state_file().parent.mkdir(parents=True, exist_ok=True)
    _state_file().write_text(json.dumps([dataclasses.asdict(n) for n in nodes], indent=2))


def _forget_if_idle(nodes: list[Node]) -> None:
    """Drop the recorded layout once none of its processes runs."""
    if all(_running_pid(n) is None for n in nodes):
        _state_file().unlink(missing_ok=True)


def _find(nodes: list[Node], name: str) -> Node:
    """The node called name, or an error listing the known names."""
    for node in nodes:
        if node.name == name:
            return node
    known = ", ".join(n.name for n in nodes) or "none: nothing was started"
    raise InfraError(f"no process named {name!r} (known: {known})")


def _layout(kafka_nodes: int | None) -> list[Node]:
    """Keep what runs; plan the rest. A request for another Kafka size than runs fails."""
    wanted = kafka_nodes or _env_int("KAFKA_NODES", 0) or None
    old = _load_state()
    live = {n.name for n in old if _running_pid(n)}
    kafka = [n for n in old if n.kind == "kafka"]
    if not any(n.name in live for n in kafka):
        kafka = _kafka_plan(wanted or 1)
    elif wanted not in (None, len(kafka)):
        names = " ".join(n.name for n in kafka)
        raise InfraError(
            f"Kafka already runs as {len(kafka)} node(s), {wanted} requested: "
            f"run `python deploy/infra.py stop {names}` first"
        )
    mongo = [n for n in old if n.kind != "kafka"]
    if not any(n.name in live for n in mongo):
        mongo = _mongo_plan()
    return [*kafka, *mongo]


def _endpoints(nodes: list[Node], started: list[str]) -> Endpoints:
    """Client addresses of a deployment."""
    kafka = ",".join(n.address for n in nodes if n.kind == "kafka")
    mongo = next(n for n in nodes if n.kind in ("mongod", "ferretdb"))
    return Endpoints(kafka, f"mongodb://{mongo.address}", started)


# ---------------------------------------------------------------- processes


def _alive(pid: int) -> bool:
    """Whether pid runs; reaps it if it is an exited child of this process."""
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    if Path("/proc/self/stat").exists():
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    try:  # no /proc (macOS): a signal probe
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _cmdline(pid: int) -> str:
    """Command line of pid, or "" if unknown."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        with contextlib.suppress(OSError):
            return subprocess.run(
                ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True
            ).stdout
    return ""


def _running_pid(node: Node) -> int | None:
    """Pid of node's process if it runs; a reused pid of another program does not count."""
    try:
        pid = int(_pid_file(node.name).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if not _alive(pid):
        return None
    cmdline = _cmdline(pid)  # empty for a moment while the child is still in execve
    return pid if not cmdline or node.home in cmdline else None


def _rss_mb(pid: int) -> float | None:
    """Resident memory of pid in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        with contextlib.suppress(OSError, ValueError):
            return (
                int(
                    subprocess.run(
                        ["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True
                    ).stdout
                )
                / 1024
            )
    return None


def _port_open(port: int) -> bool:
    """Whether something accepts TCP connections on HOST:port."""
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
        return True
    return False


def _kafka_properties(node: Node, nodes: list[Node]) -> str:
    """server.properties of one KRaft node (broker and controller in one process)."""
    peers = [n for n in nodes if n.kind == "kafka"]
    replicas, min_isr = (1, 1) if len(peers) == 1 else (3, 2)
    listeners = f"PLAINTEXT://{HOST}:{node.port},CONTROLLER://{HOST}:{node.controller_port}"
    props: dict[str, object] = {
        "process.roles": "broker,controller",
        "node.id": node.node_id,
        "listeners": listeners,
        "advertised.listeners": listeners,
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": Path(node.home) / "data",
        "num.partitions": 3,
        "default.replication.factor": replicas,
        "min.insync.replicas": min_isr,
        # Internal topics must fit the cluster, or consumer groups/transactions never work.
        "offsets.topic.replication.factor": replicas,
        "transaction.state.log.replication.factor": replicas,
        "transaction.state.log.min.isr": min_isr,
        "share.coordinator.state.topic.replication.factor": replicas,
        "share.coordinator.state.topic.min.isr": min_isr,
        "group.initial.rebalance.delay.ms": 0,
        # A killed broker is fenced, and may rejoin, after 3 s instead of 9 s (fault tests).
        "broker.heartbeat.interval.ms": 500,
        "broker.session.timeout.ms": 3000,
        "auto.create.topics.enable": "false",
    }
    if len(peers) == 1:
        props["controller.quorum.bootstrap.servers"] = f"{HOST}:{node.controller_port}"
    else:
        props["controller.quorum.voters"] = ",".join(f"{n.node_id}@{HOST}:{n.controller_port}" for n in peers)
    lines = [f"{key}={value}" for key, value in props.items()]
    return (
        "# Generated by deploy/infra.py on every start; edit the script, not this file.\n"
        + "\n".join(lines)
        + "\n"
    )


def _cluster_id(root: Path) -> str:
    """The Kafka cluster id shared by the nodes under root, created once."""
    path = root / "cluster.id"
    if path.exists():
        return path.read_text().strip()
    cid = "-"
    while cid.startswith("-"):  # Kafka's own generator avoids ids that look like options
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
    path.write_text(cid + "\n")
    return cid


def _prepare_kafka(node: Node, nodes: list[Node]) -> None:
    """Write server.properties and format the storage unless already formatted."""
    home = Path(node.home)
    (home / "data").mkdir(parents=True, exist_ok=True)
    config = home / "server.properties"
    config.write_text(_kafka_properties(node, nodes))
    if (home / "data" / "meta.properties").exists():
        return
    standalone = ["--standalone"] if sum(n.kind == "kafka" for n in nodes) == 1 else []
    run(
        [
            "java",
            "-Xmx256m",
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            "-cp",
            f"{kafka_lib()}/*",
            "kafka.tools.StorageTool",
            "format",
            *standalone,
            "-t",
            _cluster_id(home.parent),
            "-c",
            str(config),
        ],
        what=f"formatting {node.name} storage",
    )


def _command(node: Node) -> list[str]:
    """The command line that runs node in the foreground."""
    home = Path(node.home)
    if node.kind == "kafka":
        return [
            "java",
            *JVM_OPTS,
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            f"-XX:ErrorFile={home}/hs_err_pid%p.log",
            "-cp",
            f"{kafka_lib()}/*",
            "kafka.Kafka",
            str(home / "server.properties"),
        ]
    if node.kind == "mongod":
        return [
            "mongod",
            "--dbpath",
            str(home / "data"),
            "--bind_ip",
            HOST,
            "--port",
            str(node.port),
        ]
    if node.kind == "postgres":
        return pgserver.command(home, node.port)
    storage = (
        ["-backend", "postgresql", "-postgresql-url", pgserver.url(node.storage_port)]
        if node.storage_port
        else ["-backend", "sqlite"]
    )
    return [
        str(ferretdb_bin()),
        "-listen",
        node.address,
        "-data",
        str(home / "data"),
        *storage,
        "-log-level",
        "warn",
    ]


def _check_ports_free(node: Node) -> None:
    """Fail if another program already listens on one of node's ports."""
    for port in (node.port, node.controller_port):
        if port and _port_open(port):
            raise InfraError(
                f"{HOST}:{port} (for {node.name}) is in use by a process infra.py "
                "did not start: stop it, or pick other ports (KAFKA_PORT, MONGO_PORT)"
            )


def _launch(node: Node, nodes: list[Node]) -> None:
    """Start node detached from this process, logging to its log file."""
    if node.kind == "kafka":
        _prepare_kafka(node, nodes)
    elif node.kind == "postgres":
        try:
            pgserver.prepare(Path(node.home))
        except pgserver.PostgresError as exc:
            raise InfraError(str(exc)) from None
    else:
        (Path(node.home) / "data").mkdir(parents=True, exist_ok=True)
    log = log_file(node.name)
    log.parent.mkdir(parents=True, exist_ok=True)
    if log.exists():
        os.replace(log, log.with_suffix(".log.1"))
    # posix_spawn, not Popen: nothing in this process has to outlive or reap the server.
    # Python opens files non-inheritable (PEP 446), so only stdin/stdout/stderr pass on.
    cmd = _command(node)
    pid = os.posix_spawnp(
        cmd[0],
        cmd,
        os.environ,
        file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, str(log), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
            (os.POSIX_SPAWN_DUP2, 1, 2),
        ],
        setsid=True,
    )
    _pid_file(node.name).parent.mkdir(parents=True, exist_ok=True)
    _pid_file(node.name).write_text(f"{pid}\n")


def _terminate(nodes: Iterable[Node], timeout: float = STOP_TIMEOUT, sig: int = signal.SIGTERM) -> list[str]:
    """Signal the nodes together, SIGKILL whatever outlives timeout; returns stopped names."""
    nodes = list(nodes)
    pending = {node: pid for node in nodes if (pid := _running_pid(node)) is not None}
    stopped = [node.name for node in pending]
    for node, pid in pending.items():
        # PostgreSQL's SIGTERM waits for every client to leave; SIGINT is its fast shutdown
        os.kill(pid, signal.SIGINT if sig == signal.SIGTERM and node.kind == "postgres" else sig)
    started, deadline, killed = time.monotonic(), time.monotonic() + timeout, False
    while pending:
        for node, pid in list(pending.items()):
            if not _alive(pid) and not _port_open(node.port):  # a dying JVM's sockets linger
                del pending[node]
                say(f"{node.name} stopped in {time.monotonic() - started:.1f}s")
        if pending and time.monotonic() > deadline:
            names = ", ".join(node.name for node in pending)
            if killed:
                raise InfraError(f"{names} still running or listening after SIGKILL")
            say(f"{names} did not stop within {timeout:.0f}s: killing")
            for pid in pending.values():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            deadline, killed = time.monotonic() + 5, True
        if pending:
            time.sleep(0.05)
    for node in nodes:
        _pid_file(node.name).unlink(missing_ok=True)
    return stopped


# ---------------------------------------------------------------- readiness


def _kafka_module() -> Any:
    """The kafka-python package, or a MissingPrerequisite."""
    try:
        import kafka
        import kafka.errors
    except ImportError:
        raise MissingPrerequisite("kafka-python missing: pip install kafka-python") from None
    return kafka


def _pymongo_module() -> Any:
    """The pymongo package, or a MissingPrerequisite."""
    try:
        import pymongo
        import pymongo.errors
    except ImportError:
        raise MissingPrerequisite("pymongo missing: pip install pymongo") from None
    return pymongo


def _kafka_ready(node: Node, expected_ids: set[int]) -> bool:
    """Whether the broker answers and sees a controller and every expected broker unfenced."""
    kafka = _kafka_module()
    try:
        admin = kafka.KafkaAdminClient(
            bootstrap_servers=node.address,
            client_id="kabinet-infra",
            request_timeout_ms=5000,
            api_version_auto_timeout_ms=5000,
        )
    except kafka.errors.KafkaError:
        return False
    try:
        info = admin.describe_cluster()
    except kafka.errors.KafkaError:
        return False
    finally:
        admin.close()
    live = {b["node_id"] for b in info["brokers"]}  # KRaft lists only unfenced brokers
    controller = info.get("controller_id")
    return expected_ids <= live and controller is not None and controller >= 0


def _mongo_ready(node: Node) -> bool:
    """Whether the server answers ping and a write/read/delete round trip."""
    pymongo = _pymongo_module()
    client = pymongo.MongoClient(
        HOST, node.port, directConnection=True, serverSelectionTimeoutMS=2000, connectTimeoutMS=2000
    )
    try:
        client.admin.command("ping")
        probe, key = client[PROBE_DB]["probe"], uuid.uuid4().hex
        probe.insert_one({"_id": key})
        found = probe.find_one({"_id": key})
        probe.delete_one({"_id": key})
        return found is not None
    except pymongo.errors.PyMongoError:
        return False
    finally:
        client.close()


def _is_ready(node: Node, kafka_ids: set[int]) -> bool:
    """Whether node serves clients."""
    if not _port_open(node.port):
        return False
    if node.kind == "postgres":
        try:
            return pgserver.ready(node.port)
        except pgserver.PostgresError as exc:
            raise InfraError(str(exc)) from None
    return _kafka_ready(node, kafka_ids) if node.kind == "kafka" else _mongo_ready(node)


def _failure(node: Node, what: str) -> InfraError:
    """An error for a node that failed to come up, with the end of its log."""
    log = log_file(node.name)
    return InfraError(f"{node.name} {what}; last lines of {log}:\n{tail(log, LOG_TAIL_LINES)}")


def _wait_ready(nodes: list[Node], kafka_ids: set[int], launched: dict[str, float], timeout: float) -> None:
    """Poll until every node serves; fail fast if one dies, or at the deadline."""
    deadline = time.monotonic() + timeout
    pending = list(nodes)
    while pending:
        for node in list(pending):
            if _is_ready(node, kafka_ids):
                pending.remove(node)
                if node.name in launched:
                    took = time.monotonic() - launched[node.name]
                    say(f"{node.name} ready on {node.address} in {took:.1f}s")
                else:
                    say(f"{node.name} already running on {node.address} (pid {_running_pid(node)})")
            elif _running_pid(node) is None:
                raise _failure(node, "exited during start-up")
        if pending and time.monotonic() > deadline:
            raise _failure(pending[0], f"not ready after {timeout:.0f}s")
        if pending:
            time.sleep(POLL_SECONDS)


def _live_kafka_ids(nodes: list[Node]) -> set[int]:
    """Ids of the Kafka nodes whose process runs."""
    return {n.node_id for n in nodes if n.kind == "kafka" and _running_pid(n) is not None}


# ---------------------------------------------------------------- public API


def ensure_started(kafka_nodes: int | None = None, *, timeout: float = READY_TIMEOUT) -> Endpoints:
    """Start what is not running (1 or 3 Kafka nodes, env KAFKA_NODES), wait until all serve."""
    with _run_lock():
        nodes = _layout(kafka_nodes)
        todo = [n for n in nodes if _running_pid(n) is None]
        _fetch_for(todo)
        if any(n.kind == "kafka" for n in todo):
            require_java()
        for node in todo:
            _check_ports_free(node)
        _save_state(nodes)
        launched: dict[str, float] = {}
        try:
            for node in todo:
                _launch(node, nodes)
                launched[node.name] = time.monotonic()
            _wait_ready(nodes, {n.node_id for n in nodes if n.kind == "kafka"}, launched, timeout)
        except BaseException:
            _terminate([n for n in todo if n.name in launched])
            _forget_if_idle(nodes)
            raise
    return _endpoints(nodes, [n.name for n in todo])


def wait(timeout: float = READY_TIMEOUT) -> Endpoints:
    """Wait until every started process serves clients."""
    nodes = _load_state()
    running = [n for n in nodes if _running_pid(n) is not None]
    if not running:
        raise InfraError("nothing is running: python deploy/infra.py start")
    _wait_ready(running, _live_kafka_ids(nodes), {}, timeout)
    return _endpoints(nodes, [])


def endpoints() -> Endpoints | None:
    """Addresses of the recorded deployment, or None if nothing was started."""
    nodes = _load_state()
    return _endpoints(nodes, []) if nodes else None


def stop(names: Iterable[str] | None = None, *, timeout: float = STOP_TIMEOUT) -> list[str]:
    """Stop the named processes (all when None); returns the names that were running."""
    with _run_lock():
        nodes = _load_state()
        chosen = nodes if names is None else [n for n in nodes if n.name in set(names)]
        stopped = _terminate(chosen, timeout)
        _forget_if_idle(nodes)
    return stopped


def stop_node(name: str, *, kill: bool = False, timeout: float = STOP_TIMEOUT) -> None:
    """Stop one process (SIGTERM, or SIGKILL to simulate a crash); the layout stays."""
    with _run_lock():
        node = _find(_load_state(), name)
        if not _terminate([node], timeout, signal.SIGKILL if kill else signal.SIGTERM):
            say(f"{name} was not running")


def start_node(name: str, *, timeout: float = READY_TIMEOUT) -> None:
    """Start one stopped process of the recorded layout again and wait until it serves."""
    with _run_lock():
        nodes = _load_state()
        node = _find(nodes, name)
        if _running_pid(node) is not None:
            say(f"{name} already running (pid {_running_pid(node)})")
            return
        _fetch_for([node])
        _check_ports_free(node)
        _launch(node, nodes)
        try:
            _wait_ready([node], _live_kafka_ids(nodes), {name: time.monotonic()}, timeout)
        except BaseException:
            _terminate([node])
            raise


def status() -> list[ProcessStatus]:
    """Pid, reachability and memory of every process of the recorded layout."""
    rows = []
    for node in _load_state():
        pid = _running_pid(node)
        rows.append(
            ProcessStatus(
                node.name,
                node.kind,
                node.address,
                pid,
                _port_open(node.port),
                _rss_mb(pid) if pid else None,
            )
        )
    return rows


def reset() -> None:
    """Stop everything and delete data and logs (the download cache stays)."""
    with _run_lock():
        stop()
        for sub in ("kafka", "mongo", "logs", "pids"):
            remove(run_dir() / sub)
        _state_file().unlink(missing_ok=True)
    say(f"deleted data and logs under {run_dir()}")


# ---------------------------------------------------------------- CLI


def _print_env(ends: Endpoints) -> None:
    """Print the endpoints as shell assignments."""
    print(f"KAFKA_BOOTSTRAP_SERVERS={ends.kafka_bootstrap}")
    print(f"MONGO_URI={ends.mongo_uri}")


def _cmd_fetch(args: argparse.Namespace) -> int:
    """CLI: fetch."""
    fetch(force=args.force)
    say(f"fetch: cache {cache_dir()} up to date")
    return 0


def _cmd_start(args: argparse.Namespace) -> int:
    """CLI: start."""
    started = time.monotonic()
    ends = ensure_started(args.kafka_nodes, timeout=args.timeout)
    done = f"started {', '.join(ends.started)}" if ends.started else "all running, nothing to do"
    say(f"{done} ({time.monotonic() - started:.1f}s)")
    _print_env(ends)
    return 0


def _cmd_wait(args: argparse.Namespace) -> int:
    """CLI: wait."""
    _print_env(wait(args.timeout))
    return 0


def _cmd_stop(args: argparse.Namespace) -> int:
    """CLI: stop."""
    stopped = stop(args.names or None, timeout=args.timeout)
    if not stopped:
        say("nothing was running")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    """CLI: status; exit 1 unless everything recorded is up."""
    rows = status()
    if not rows:
        print(f"nothing started (run dir {run_dir()})")
        return 1
    print(f"{'NAME':9} {'KIND':9} {'ADDRESS':16} {'PID':>8} {'ALIVE':6} {'PORT':6} {'RSS':>9}")
    for r in rows:
        rss = f"{r.rss_mb:.0f} MB" if r.rss_mb is not None else "-"
        print(
            f"{r.name:9} {r.kind:9} {r.address:16} {r.pid or '-':>8} "
            f"{'yes' if r.pid else 'no':6} {'open' if r.reachable else 'closed':6} {rss:>9}"
        )
    return 0 if all(r.healthy for r in rows) else 1


def _cmd_logs(args: argparse.Namespace) -> int:
    """CLI: logs."""
    names = (
        [args.name]
        if args.name
        else [n.name for n in _load_state()] or sorted(p.stem for p in (run_dir() / "logs").glob("*.log"))
    )
    for name in names:
        if len(names) > 1:
            print(f"==> {log_file(name)} <==")
        print(tail(log_file(name), args.lines))
    if args.follow and len(names) == 1:
        _follow(log_file(names[0]))
    return 0


def _follow(path: Path) -> None:
    """Print what is appended to path until interrupted."""
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        while True:
            chunk = fh.read()
            if chunk:
                sys.stdout.write(chunk.decode(errors="replace"))
                sys.stdout.flush()
            else:
                time.sleep(0.5)


def _cmd_reset(args: argparse.Namespace) -> int:
    """CLI: reset."""
    reset()
    return 0


def _cmd_env(args: argparse.Namespace) -> int:
    """CLI: env."""
    ends = endpoints()
    if ends is None:
        raise InfraError("nothing is running: python deploy/infra.py start")
    _print_env(ends)
    return 0


def _cmd_stop_node(args: argparse.Namespace) -> int:
    """CLI: stop-node."""
    stop_node(args.name, kill=args.kill)
    return 0


def _cmd_start_node(args: argparse.Namespace) -> int:
    """CLI: start-node."""
    start_node(args.name, timeout=args.timeout)
    return 0


def _parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="deploy/infra.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("fetch", help="fetch Kafka jars and build FerretDB (cached)")
    cmd.add_argument("--force", action="store_true", help="ignore the cache stamps")
    cmd.set_defaults(func=_cmd_fetch)
    cmd = sub.add_parser("start", help="start Kafka and Mongo, wait until ready")
    cmd.add_argument("--kafka-nodes", type=int, choices=(1, 3), help="1 (default) or 3; env KAFKA_NODES")
    cmd.add_argument("--timeout", type=float, default=READY_TIMEOUT, help="seconds")
    cmd.set_defaults(func=_cmd_start)
    cmd = sub.add_parser("wait", help="wait until the started servers are ready")
    cmd.add_argument("--timeout", type=float, default=READY_TIMEOUT, help="seconds")
    cmd.set_defaults(func=_cmd_wait)
    cmd = sub.add_parser("stop", help="stop all (or the named) processes")
    cmd.add_argument("names", nargs="*", help="e.g. kafka kafka-2 mongo")
    cmd.add_argument("--timeout", type=float, default=STOP_TIMEOUT, help="before SIGKILL")
    cmd.set_defaults(func=_cmd_stop)
    sub.add_parser("status", help="pid, port, RSS of each process").set_defaults(func=_cmd_status)
    cmd = sub.add_parser("logs", help="tail a log (all when no name)")
    cmd.add_argument("name", nargs="?", help="kafka, kafka-2, kafka-3 or mongo")
    cmd.add_argument("-n", "--lines", type=int, default=50)
    cmd.add_argument("-f", "--follow", action="store_true")
    cmd.set_defaults(func=_cmd_logs)
    sub.add_parser("reset", help="stop, then delete data and logs").set_defaults(func=_cmd_reset)
    sub.add_parser("env", help="print KAFKA_BOOTSTRAP_SERVERS and MONGO_URI").set_defaults(func=_cmd_env)
    cmd = sub.add_parser("stop-node", help="stop one process (fault tests)")
    cmd.add_argument("name")
    cmd.add_argument("--kill", action="store_true", help="SIGKILL: simulate a crash")
    cmd.set_defaults(func=_cmd_stop_node)
    cmd = sub.add_parser("start-node", help="start one stopped process again")
    cmd.add_argument("name")
    cmd.add_argument("--timeout", type=float, default=READY_TIMEOUT, help="seconds")
    cmd.set_defaults(func=_cmd_start_node)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors become one message and an exit code (2: missing prerequisite)."""
    args = _parser().parse_args(argv)
    logging.getLogger("kafka").setLevel(logging.CRITICAL)  # readiness polls expect failures
    try:
        return int(args.func(args))
    except MissingPrerequisite as exc:
        print(f"[infra] missing prerequisite: {exc}", file=sys.stderr)
        return 2
    except InfraError as exc:
        print(f"[infra] error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
