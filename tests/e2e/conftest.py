"""The whole suite as real processes (gunicorn APIs, consumers, relays, dev inbox) for e2e tests.

Started once per test session in its own topic namespace, databases and free ports, the same
way `make run` starts it (deploy/services.py), so e2e tests cross real process boundaries.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from kabinet.privacy.crypto import new_key
from kabinet.privacy.master import MasterKeyring

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / ".run" / "e2e-logs"
SERVICE_DBS = ("IDENTITY", "VERIFICATION", "BILLING_LINK", "NOTIFIER", "DEVSINK")


def _services_module() -> Any:
    spec = importlib.util.spec_from_file_location("kabinet_deploy_services", ROOT / "deploy" / "services.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    return _free_ports(1)[0]


def _free_ports(count: int) -> list[int]:
    """`count` distinct free ports: each socket stays bound until all are chosen (ports taken
    one after another may repeat once the first is closed: two services on one port)."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]


@dataclass(frozen=True)
class Stack:
    """Where the running suite answers."""

    gateway: str
    inbox: str
    env: dict[str, str]
    topic_prefix: str
    logs: Path

    def messages(self, to: str) -> list[dict[str, Any]]:
        """Messages the dev inbox holds for an address, newest first."""
        return list(requests.get(f"{self.inbox}/api/messages", params={"to": to}, timeout=5).json())


@pytest.fixture(scope="session")
def stack(servers: dict[str, str], mongo_client: Any) -> Iterator[Stack]:
    """The four services and the dev inbox running as separate processes on the real servers."""
    services = _services_module()
    ports = services.Ports.taking(_free_ports)
    run = uuid.uuid4().hex[:8]
    prefix = f"e2e{run}."
    base = {
        **os.environ,
        "MONGO_URI": servers["mongo"],
        "KAFKA_BOOTSTRAP_SERVERS": servers["kafka"],
        "KAFKA_TOPIC_PREFIX": prefix,
        "KAFKA_TOPIC_PARTITIONS": "3",
        "IDENTITY_BCRYPT_ROUNDS": "4",
        # every journey registers from 127.0.0.1: the registration quotas are relaxed for the run
        "IDENTITY_THROTTLE_REGISTRATIONS_PER_IP": "1000000",
        "IDENTITY_THROTTLE_REGISTRATIONS_PER_CONTACT": "1000000",
        **{f"{svc}_MONGO_DB": f"e2e_{run}_{svc.lower()}" for svc in SERVICE_DBS},
        "KABINET_KEYS_DB": f"e2e_{run}_keys",
        # two master keys: the first wraps, both unwrap (a rotation's first step is already done)
        "KABINET_MASTER_KEY": ",".join(MasterKeyring.entry(f"e2e-{n}-{run}", new_key()) for n in (1, 2)),
    }
    env = services.suite_env(ports, base)
    services.prepare(env)
    logs = LOGS / run
    logs.mkdir(parents=True, exist_ok=True)
    procs = [
        _launch(cmd, env, logs / f"{name}.log")
        for name, cmd in services.processes(ports, api_workers=1).items()
    ]
    try:
        _wait_ready(services, ports, procs, logs)
        yield Stack(
            gateway=f"http://127.0.0.1:{ports.identity}",
            inbox=f"http://127.0.0.1:{ports.inbox}",
            env=env,
            topic_prefix=prefix,
            logs=logs,
        )
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        for svc in SERVICE_DBS:
            mongo_client.drop_database(base[f"{svc}_MONGO_DB"])
        mongo_client.drop_database(base["KABINET_KEYS_DB"])


def _launch(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:  # the child keeps its own descriptor
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_ready(services: Any, ports: Any, procs: list[subprocess.Popen[bytes]], logs: Path) -> None:
    deadline = time.monotonic() + 90
    pending = {s.name: ports.of(s) for s in services.SERVICES}
    while pending:
        pending = {n: p for n, p in pending.items() if not services.ready(p)[0]}
        dead = [p.args for p in procs if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            raise AssertionError(f"suite did not start (dead: {dead}, not ready: {pending}); logs in {logs}")
        time.sleep(0.3)
