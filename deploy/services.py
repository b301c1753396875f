"""Run the whole Kabinet suite locally: four services (API, consumers, outbox relay), dev inbox.

    python deploy/services.py start    # topics + indexes, then a supervisor in the background
    python deploy/services.py status   # processes and each service's /readyz
    python deploy/services.py stop
    python deploy/services.py logs [name] [-n N]

A detached supervisor owns every long-running process and restarts one that exits
(consumers crash on purpose when a message cannot be handled; a restart re-reads it).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN = Path(os.environ.get("KABINET_RUN_DIR", ROOT / ".run"))
LOGS = RUN / "logs"
PIDFILE = RUN / "supervisor.pid"
PY = sys.executable


@dataclass(frozen=True)
class Service:
    name: str
    package: str
    port: str  # attribute of Ports


SERVICES = (
    Service("identity", "identity", "identity"),
    Service("verification", "verification", "verification"),
    Service("billing-link", "billing_link", "billing_link"),
    Service("notifier", "notifier", "notifier"),
)


@dataclass(frozen=True)
class Ports:
    """Where the suite listens; the defaults are the development ports of API.md."""

    identity: int = 8000
    verification: int = 8001
    billing_link: int = 8002
    notifier: int = 8003
    inbox: int = 8025
    smtp: int = 1025
    smpp: int = 2775

    @classmethod
    def taking(cls, free: Callable[[int], list[int]]) -> Ports:
        """Ports of a private suite: a distinct free port for each, from `free(count)`."""
        return cls(*free(len(fields(cls))))

    def of(self, service: Service) -> int:
        """The HTTP port of a service."""
        return int(getattr(self, service.port))


def suite_env(ports: Ports, base: Mapping[str, str]) -> dict[str, str]:
    """Environment wiring the services to each other and to the dev inbox."""
    return {
        **base,
        "IDENTITY_VERIFICATION_URL": f"http://127.0.0.1:{ports.verification}",
        "IDENTITY_BILLING_LINK_URL": f"http://127.0.0.1:{ports.billing_link}",
        "NOTIFIER_SMTP_HOST": "127.0.0.1",
        "NOTIFIER_SMTP_PORT": str(ports.smtp),
        "NOTIFIER_SMS_GATEWAY_URL": f"http://127.0.0.1:{ports.inbox}/sms",
        "NOTIFIER_SMS_GATEWAY_IDEMPOTENT": "1",  # the dev inbox drops a repeated message_id
        "NOTIFIER_LINK_BASE_URL": f"http://127.0.0.1:{ports.identity}",
        "DEVSINK_SMTP_PORT": str(ports.smtp),
        "DEVSINK_HTTP_PORT": str(ports.inbox),
        "DEVSINK_SMPP_PORT": str(ports.smpp),
        # each outbox relay hears its service's appends on the service's port number, over UDP
        **{f"{_prefix(s)}RELAY_DOORBELL": f"127.0.0.1:{ports.of(s)}" for s in SERVICES},
    }


def _prefix(service: Service) -> str:
    return service.name.upper().replace("-", "_") + "_"


def _has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def processes(ports: Ports = Ports(), *, api_workers: int = 2) -> dict[str, list[str]]:
    """Every long-running process of the suite: name → command."""
    procs: dict[str, list[str]] = {}
    if _has_module("notifier.devsink"):
        procs["devsink"] = [PY, "-m", "notifier.devsink"]
    for s in SERVICES:
        procs[f"{s.name}-api"] = [
            PY,
            "-m",
            s.package,
            "api",
            "--bind",
            f"127.0.0.1:{ports.of(s)}",
            "--workers",
            str(api_workers),
        ]
        procs[f"{s.name}-consume"] = [PY, "-m", s.package, "consume"]
        procs[f"{s.name}-publish"] = [PY, "-m", s.package, "publish"]
    procs["identity-housekeep"] = [PY, "-m", "identity.housekeep", "--every", "600"]  # expired documents
    return procs


def prepare(env: Mapping[str, str] | None = None) -> None:
    """Create topics and indexes (idempotent) before anything consumes or produces."""
    for s in SERVICES:
        for cmd in ("topics", "migrate"):
            subprocess.run(
                [PY, "-m", s.package, cmd], check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL
            )


def ready(port: int) -> tuple[bool, str]:
    """Whether a service's /readyz answers 200, and what it said."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=3) as r:
            return r.status == 200, json.loads(r.read()).get("status", "?")
    except Exception as exc:
        return False, type(exc).__name__


def _say(msg: str) -> None:
    print(msg, flush=True)


def supervise() -> None:
    """Start every process and restart any that exits, until SIGTERM."""
    LOGS.mkdir(parents=True, exist_ok=True)
    stopping = False
    children: dict[str, subprocess.Popen[bytes]] = {}
    backoff: dict[str, float] = {}

    def on_term(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    cmds = processes()
    env = suite_env(Ports(), os.environ)
    if os.environ.get("NOTIFIER_SMS_GATEWAY_URL"):  # e.g. smpp://kabinet@127.0.0.1:2775: the SMPP sink
        env["NOTIFIER_SMS_GATEWAY_URL"] = os.environ["NOTIFIER_SMS_GATEWAY_URL"]
    while not stopping:
        for name, cmd in cmds.items():
            child = children.get(name)
            if child is None or child.poll() is not None:
                if child is not None:
                    delay = backoff[name] = min(backoff.get(name, 0.5) * 2, 30.0)
                    _log(name, f"exited with {child.returncode}; restarting in {delay:.0f}s")
                    time.sleep(delay)
                children[name] = _spawn(name, cmd, env)
        time.sleep(0.5)
    for child in children.values():
        child.terminate()
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()


def _spawn(name: str, cmd: list[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    out = open(LOGS / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child for its lifetime
    return subprocess.Popen(cmd, cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT)


def _log(name: str, msg: str) -> None:
    with open(LOGS / f"{name}.log", "a") as f:
        f.write(f"[supervisor] {time.strftime('%H:%M:%S')} {msg}\n")


def _supervisor_pid() -> int | None:
    try:
        pid = int(PIDFILE.read_text())
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None


def start(timeout: float = 120.0) -> int:
    """Prepare, launch the supervisor detached, wait until every /readyz answers 200."""
    if _supervisor_pid():
        _say("services already running")
    else:
        t0 = time.monotonic()
        prepare()
        LOGS.mkdir(parents=True, exist_ok=True)
        sup = subprocess.Popen(
            [PY, __file__, "supervise"], cwd=ROOT, start_new_session=True,
            stdout=open(LOGS / "supervisor.log", "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
        )  # fmt: skip
        PIDFILE.write_text(str(sup.pid))
        _say(f"supervisor pid {sup.pid}; topics and indexes ready in {time.monotonic() - t0:.1f}s")
    deadline = time.monotonic() + timeout
    pending = {s.name: Ports().of(s) for s in SERVICES}
    while pending and time.monotonic() < deadline:
        for name, port in list(pending.items()):
            if ready(port)[0]:
                _say(f"{name:<13} ready  http://127.0.0.1:{port}/readyz")
                del pending[name]
        time.sleep(0.5)
    if pending:
        _say(f"not ready after {timeout:.0f}s: {', '.join(pending)} — see `make logs`")
        return 1
    if _has_module("notifier.devsink"):
        _say("dev inbox     http://127.0.0.1:8025/")
    if _has_module("billing_link.demo"):
        subprocess.run([PY, "-m", "billing_link.demo"], check=False, cwd=ROOT)
    _say("gateway       http://127.0.0.1:8000/docs")
    return 0


def stop() -> int:
    """Stop the supervisor and, through it, every service process."""
    pid = _supervisor_pid()
    if pid is None:
        _say("services not running")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while _supervisor_pid() and time.monotonic() < deadline:
        time.sleep(0.2)
    if _supervisor_pid():
        os.killpg(pid, signal.SIGKILL)
    PIDFILE.unlink(missing_ok=True)
    _say("services stopped")
    return 0


def status() -> int:
    """Supervisor state and every service's readiness."""
    pid = _supervisor_pid()
    _say(f"supervisor: {'pid ' + str(pid) if pid else 'not running'}")
    for s in SERVICES:
        port = Ports().of(s)
        ok, detail = ready(port)
        _say(f"  {s.name:<13} :{port}  {'ready' if ok else 'DOWN'} ({detail})")
    return 0


def logs(name: str | None, lines: int) -> int:
    """Tail one log, or list the logs."""
    if name is None:
        for p in sorted(LOGS.glob("*.log")):
            _say(p.stem)
        return 0
    path = LOGS / f"{name}.log"
    if not path.exists():
        _say(f"no log {path}")
        return 1
    _say("\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(prog="deploy/services.py")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("start")
    sub.add_parser("stop")
    sub.add_parser("status")
    sub.add_parser("supervise")
    lg = sub.add_parser("logs")
    lg.add_argument("name", nargs="?")
    lg.add_argument("-n", type=int, default=60)
    args = parser.parse_args(argv)
    if args.cmd == "supervise":
        supervise()
        return 0
    return {"start": start, "stop": stop, "status": status}.get(args.cmd, lambda: logs(args.name, args.n))()


if __name__ == "__main__":
    sys.exit(main())
