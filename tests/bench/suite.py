"""The whole suite as real processes, controllable one process at a time (benchmarks and chaos tests).

Launched exactly like the e2e `stack` fixture and `make run`: `deploy/services.py` gives the
ports, the wiring (`suite_env`), topics and indexes (`prepare`) and the process table
(`processes`); the e2e conftest's `_launch` / `_wait_ready` start it and wait for /readyz. On
top of that a `Suite` knows every child by name, so a test can SIGKILL one, let the small
watchdog restart it (as the `make run` supervisor does) and wait until it serves again.
Everything lives in its own topic namespace and databases, so a running `make run` or other
engineers' tests are not disturbed.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / ".run" / "suite-logs"
SERVICE_DBS = ("IDENTITY", "VERIFICATION", "BILLING_LINK", "NOTIFIER", "DEVSINK")


def _load(name: str, path: Path) -> Any:
    module = sys.modules.get(name)
    if module is not None:
        return module
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def services_module() -> Any:
    """deploy/services.py (Ports, suite_env, processes, prepare, ready)."""
    return _load("kabinet_deploy_services", ROOT / "deploy" / "services.py")


def e2e_harness() -> Any:
    """The e2e conftest's launch helpers (`_free_port`, `_launch`, `_wait_ready`)."""
    return _load("kabinet_e2e_harness", ROOT / "tests" / "e2e" / "conftest.py")


def infra_module() -> Any:
    """deploy/infra.py (servers: start, status, stop_node, start_node)."""
    return _load("kabinet_deploy_infra", ROOT / "deploy" / "infra.py")


def provision_module() -> Any:
    """deploy/provision.py (fetch and build what the servers and the bench need, cached)."""
    return _load("kabinet_deploy_provision", ROOT / "deploy" / "provision.py")


def free_port() -> int:
    """A free loopback port."""
    return int(e2e_harness()._free_port())


@dataclass
class Suite:
    """A running suite: where it answers, its environment and its processes by name."""

    ports: Any
    env: dict[str, str]
    topic_prefix: str
    run: str
    logs: Path
    commands: dict[str, list[str]]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)
    extra_env: dict[str, dict[str, str]] = field(default_factory=dict)
    _watch: threading.Thread | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------------ start / stop

    @classmethod
    def start(
        cls,
        servers: Mapping[str, str],
        *,
        env: Mapping[str, str] | None = None,
        api_workers: int = 1,
        extra: Mapping[str, tuple[list[str], Mapping[str, str]]] | None = None,
        name: str = "suite",
        watchdog: bool = True,
    ) -> Suite:
        """Prepare topics and indexes, launch every process, wait until each /readyz is green.

        `env` overrides the suite's environment (e.g. `IDENTITY_BCRYPT_ROUNDS`); `extra` adds
        processes: name → (command, env overrides).
        """
        services, harness = services_module(), e2e_harness()
        ports = services.Ports.taking(harness._free_ports)
        run = uuid.uuid4().hex[:8]
        prefix = f"{name}{run}."
        base = {
            **os.environ,
            "MONGO_URI": servers["mongo"],
            "KAFKA_BOOTSTRAP_SERVERS": servers["kafka"],
            "KAFKA_TOPIC_PREFIX": prefix,
            "KAFKA_TOPIC_PARTITIONS": "3",
            "IDENTITY_BCRYPT_ROUNDS": "4",
            # load and fault tests register many subscribers from 127.0.0.1: quotas relaxed for the run
            "IDENTITY_THROTTLE_REGISTRATIONS_PER_IP": "1000000",
            "IDENTITY_THROTTLE_REGISTRATIONS_PER_CONTACT": "1000000",
            "LOG_JSON": "0",
            **{f"{svc}_MONGO_DB": f"{name}_{run}_{svc.lower()}" for svc in SERVICE_DBS},
            **_keys(f"{name}_{run}"),
            **(env or {}),
        }
        full_env = services.suite_env(ports, base)
        services.prepare(full_env)
        logs = LOGS / f"{name}-{run}"
        logs.mkdir(parents=True, exist_ok=True)
        commands = dict(services.processes(ports, api_workers=api_workers))
        suite = cls(ports, full_env, prefix, run, logs, commands)
        for pname, (cmd, overrides) in (extra or {}).items():
            suite.commands[pname] = cmd
            suite.extra_env[pname] = {**full_env, **overrides}
        for pname in suite.commands:
            suite._spawn(pname)
        try:
            harness._wait_ready(services, ports, list(suite.procs.values()), logs)
        except BaseException:
            suite.stop()
            raise
        if watchdog:
            suite._watch = threading.Thread(target=suite._watchdog, name="suite-watchdog", daemon=True)
            suite._watch.start()
        return suite

    def stop(self, *, drop: Any = None) -> None:
        """Terminate every process (and drop the suite's databases through `drop`, a Mongo client)."""
        self._stopping.set()
        if self._watch is not None:
            self._watch.join(5)
        with self._lock:
            procs = list(self.procs.values())
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        if drop is not None:
            for db in self.databases().values():
                drop.drop_database(db)

    def databases(self) -> dict[str, str]:
        """Service → database name (and `keys`: the personal-data key store, when the suite has one)."""
        dbs = {svc.lower(): self.env[f"{svc}_MONGO_DB"] for svc in SERVICE_DBS}
        if self.env.get("KABINET_KEYS_DB"):
            dbs["keys"] = self.env["KABINET_KEYS_DB"]
        return dbs

    # ------------------------------------------------------------------ where it answers

    @property
    def gateway(self) -> str:
        """The identity gateway's base URL."""
        return f"http://127.0.0.1:{self.ports.identity}"

    @property
    def inbox(self) -> str:
        """The dev inbox's base URL."""
        return f"http://127.0.0.1:{self.ports.inbox}"

    def url(self, service: str) -> str:
        """Base URL of a service by port attribute (`identity`, `verification`, `billing_link`, ...)."""
        return f"http://127.0.0.1:{getattr(self.ports, service)}"

    def messages(self, to: str) -> list[dict[str, Any]]:
        """Messages the dev inbox holds for an address, newest first."""
        return list(requests.get(f"{self.inbox}/api/messages", params={"to": to}, timeout=10).json())

    def topic(self, name: str) -> str:
        """A contract topic in this suite's namespace."""
        return self.topic_prefix + name

    # ------------------------------------------------------------------ processes

    def _spawn(self, name: str) -> None:
        env = self.extra_env.get(name, self.env)
        log = self.logs / f"{name}.log"
        with open(log, "ab") as out:  # the child keeps its own descriptor
            proc = subprocess.Popen(
                self.commands[name], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        with self._lock:
            self.procs[name] = proc

    def _watchdog(self) -> None:
        """Restart any process that exited (consumers crash on purpose; a kill -9 is a crash).

        A process that keeps failing (its store is down) is restarted after a growing delay
        (0.5 s doubling to 5 s), as the `make run` supervisor does; one that ran 30 s is forgiven.
        """
        delay: dict[str, float] = {}
        due: dict[str, float] = {}
        started: dict[str, float] = {}
        while not self._stopping.wait(0.2):
            now = time.monotonic()
            with self._lock:
                dead = [n for n, p in self.procs.items() if p.poll() is not None]
            for name in dead:
                if self._stopping.is_set():
                    return
                if name not in due:
                    ran = now - started.get(name, 0.0)
                    delay[name] = 0.0 if ran > 30 else min(max(delay.get(name, 0.25) * 2, 0.5), 5.0)
                    due[name] = now + delay[name]
                if now < due[name]:
                    continue
                del due[name]
                self.restarts[name] = self.restarts.get(name, 0) + 1
                with open(self.logs / f"{name}.log", "a") as f:
                    f.write(f"[suite] {time.strftime('%H:%M:%S')} exited; restarting\n")
                self._spawn(name)
                started[name] = time.monotonic()

    def pid(self, name: str) -> int:
        """The pid of a named process (for an API: the gunicorn master)."""
        with self._lock:
            return self.procs[name].pid

    def workers(self, name: str) -> list[int]:
        """Child pids of a process (an API's gunicorn workers)."""
        return children(self.pid(name))

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Signal a named process (SIGKILL: a crash); the watchdog restarts it. Its old pid."""
        pid = self.pid(name)
        os.kill(pid, sig)
        return pid

    def kill_worker(self, name: str) -> int:
        """SIGKILL one gunicorn worker of an API (its master forks a new one)."""
        pid = self.workers(name)[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_restarted(self, name: str, old_pid: int, timeout: float = 60) -> None:
        """Wait until the watchdog replaced `old_pid` with a live process."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                proc = self.procs[name]
            if proc.pid != old_pid and proc.poll() is None:
                return
            time.sleep(0.1)
        raise AssertionError(f"{name} was not restarted within {timeout}s")

    def wait_ready(self, timeout: float = 90) -> None:
        """Wait until every service's /readyz is green."""
        services = services_module()
        deadline = time.monotonic() + timeout
        pending = {s.name: self.ports.of(s) for s in services.SERVICES}
        while pending:
            pending = {n: p for n, p in pending.items() if not services.ready(p)[0]}
            if pending and time.monotonic() > deadline:
                raise AssertionError(f"not ready after {timeout}s: {pending}; logs in {self.logs}")
            time.sleep(0.3)

    def tree(self) -> dict[str, list[int]]:
        """Every named process with its children (gunicorn workers), for CPU/RSS sampling."""
        with self._lock:
            items = [(n, p.pid) for n, p in self.procs.items() if p.poll() is None]
        return {n: [pid, *children(pid)] for n, pid in items}


def _keys(run: str) -> dict[str, str]:
    """A key store of the suite's own and a fresh master key (as the e2e `stack` does)."""
    try:
        from kabinet.privacy.crypto import new_key
        from kabinet.privacy.master import MasterKeyring
    except ImportError:  # a tree without personal-data sealing
        return {}
    return {
        "KABINET_KEYS_DB": f"{run}_keys",
        "KABINET_MASTER_KEY": MasterKeyring.entry(f"{run}-1", new_key()),
    }


def children(pid: int) -> list[int]:
    """Direct children of a process, from /proc."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(x) for x in path.read_text().split()]
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return []


class PrivateServers:
    """Kafka and a Mongo server of one's own (deploy/infra.py in a private run directory, free ports),
    so that a benchmark neither disturbs nor is disturbed by the servers other people share."""

    def __init__(self, name: str, *, kafka_nodes: int = 1) -> None:
        self.run_dir = ROOT / ".run" / f"{name}-servers"
        self.env = {"KABINET_RUN_DIR": str(self.run_dir), "MONGO_PORT": str(free_port())}
        if kafka_nodes == 1:
            port = free_port()
            self.env.update(KAFKA_PORT=str(port), KAFKA_CONTROLLER_PORT=str(free_port()))
        with self._infra() as infra:
            ends = infra.ensure_started(kafka_nodes, timeout=180)
        self.kafka, self.mongo = ends.kafka_bootstrap, ends.mongo_uri
        with self._infra() as infra:
            self.pids = {f"server:{s.name}": [s.pid] for s in infra.status() if s.pid}

    def _infra(self) -> Any:
        import contextlib

        @contextlib.contextmanager
        def scoped() -> Any:
            saved = {k: os.environ.get(k) for k in self.env}
            os.environ.update(self.env)
            try:
                yield infra_module()
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v

        return scoped()

    def stop(self) -> None:
        """Stop both servers and delete their data."""
        import shutil

        with self._infra() as infra:
            infra.stop()
        shutil.rmtree(self.run_dir, ignore_errors=True)
