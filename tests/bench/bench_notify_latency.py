"""Event → message latency: `UserRegistered` on the accounts topic → the code in the dev inbox.

    .venv/bin/python -m tests.bench.bench_notify_latency                       # 50/s for 20 s
    .venv/bin/python -m tests.bench.bench_notify_latency --rate 20 --seconds 10
    .venv/bin/python -m tests.bench.bench_notify_latency --profile             # + pyinstrument reports
    .venv/bin/python -m tests.bench.bench_notify_latency --sms smpp           # SMS over SMPP to the dev SMSC
    .venv/bin/python -m tests.bench.bench_notify_latency --sms smpp-no-receipts  # … asking for no receipts

Drives the event side directly (no gateway, no bcrypt): identity-like `UserRegistered` envelopes
(a fresh account, phone and email each) are appended to `kabinet.accounts.events` at a steady
rate while the processes that turn them into messages run as real processes, launched from
`deploy/services.py` (`suite_env`, `processes`) in their own topic namespace, databases and ports:
the dev inbox (SMTP sink + SMS sink), verification's consumers and outbox relay, the notifier's
consumer and relay. Latency is from the moment an event is handed to the producer to the
message's `sent_at` in the inbox (the inbox's own store, read after the run); p50/p95/p99 (goal
p99 < 250 ms at 50 registrations/s) go to `bench/results/notify-latency-<date>.json` with the
CPU seconds and RSS of each process.

`--profile` runs the two consumers under pyinstrument (each consumer loop in its process's main
thread, built exactly as `python -m <service> consume` builds it) and saves text reports next to
the logs. Uses `KAFKA_BOOTSTRAP_SERVERS` / `MONGO_URI` when set, else the local servers of
`deploy/infra.py`. Topics and databases are deleted afterwards (`--keep` keeps them).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
LOGS = ROOT / ".run" / "bench-logs"
PY = sys.executable
TICK = os.sysconf("SC_CLK_TCK")
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20
DBS = ("VERIFICATION", "NOTIFIER", "DEVSINK")
NEEDED = ("devsink", "verification-consume", "verification-publish", "notifier-consume", "notifier-publish")
PROFILED = {
    "verification-consume": ("verification", "requests"),
    "notifier-consume": ("notifier", "messages"),
}


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def servers() -> tuple[str, str]:
    """Kafka bootstrap and Mongo URI: from the environment, else the locally provisioned servers."""
    kafka, mongo = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGO_URI")
    if kafka and mongo:
        return kafka, mongo
    endpoints = _load("kabinet_deploy_infra", ROOT / "deploy" / "infra.py").ensure_started()
    return kafka or endpoints.kafka_bootstrap, mongo or endpoints.mongo_uri


def proc_stat(pid: int) -> tuple[float, float] | None:
    """CPU seconds and RSS (MB) of a process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/statm") as f:
            rss = int(f.read().split()[1]) * PAGE_MB
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICK, rss


class Suite:
    """The processes between the accounts topic and the inbox, in their own namespace."""

    def __init__(self, kafka: str, mongo: str, *, profile: bool, sms: str = "http") -> None:
        self.services = _load("kabinet_deploy_services", ROOT / "deploy" / "services.py")
        self.run = uuid.uuid4().hex[:8]
        harness = _load("kabinet_e2e_harness", ROOT / "tests" / "e2e" / "conftest.py")
        self.ports = self.services.Ports.taking(harness._free_ports)  # distinct, as the e2e suite's
        self.prefix = f"bench{self.run}."
        base = {
            **os.environ,
            "MONGO_URI": mongo,
            "KAFKA_BOOTSTRAP_SERVERS": kafka,
            "KAFKA_TOPIC_PREFIX": self.prefix,
            "KAFKA_TOPIC_PARTITIONS": "3",
            "KABINET_KEYS_DB": f"bench_{self.run}_keys",
            **{f"{svc}_MONGO_DB": f"bench_{self.run}_{svc.lower()}" for svc in DBS},
        }
        self.env: dict[str, str] = self.services.suite_env(self.ports, base)
        if sms.startswith("smpp"):  # the notifier's SMPP adapter, to the dev inbox's SMPP sink
            receipts = "0" if sms == "smpp-no-receipts" else "1"  # with receipts: NotificationDelivered too
            self.env["NOTIFIER_SMS_GATEWAY_URL"] = (
                f"smpp://kabinet@127.0.0.1:{self.ports.smpp}?source=Kabinet&receipts={receipts}"
            )
        self.logs = LOGS / self.run
        self.profile = profile
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> None:
        """Topics, indexes, then every needed process."""
        self.logs.mkdir(parents=True, exist_ok=True)
        for package in ("verification", "notifier"):
            for cmd in ("topics", "migrate"):
                subprocess.run(
                    [PY, "-m", package, cmd], check=True, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL
                )
        table = self.services.processes(self.ports, api_workers=1)
        for name in NEEDED:
            cmd = table[name]
            if self.profile and name in PROFILED:
                package, consumer = PROFILED[name]
                report = str(self.logs / f"{name}.pyinstrument.txt")
                cmd = [PY, "-m", "tests.bench.bench_notify_latency", "_profiled", package, consumer, report]
            with open(self.logs / f"{name}.log", "wb") as out:
                self.procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=out, stderr=out)

    def alive(self) -> None:
        dead = {n: p.returncode for n, p in self.procs.items() if p.poll() is not None}
        if dead:
            raise SystemExit(f"processes exited: {dead}; logs in {self.logs}")

    def stats(self) -> dict[str, tuple[float, float]]:
        return {n: s for n, p in self.procs.items() if (s := proc_stat(p.pid)) is not None}

    def stop(self) -> None:
        for p in self.procs.values():
            p.send_signal(signal.SIGINT)  # the CLIs stop on SIGINT as on SIGTERM; pyinstrument then reports
        for p in self.procs.values():
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()

    def clean_up(self, mongo_client: Any, kafka: str) -> None:
        from kafka.admin import KafkaAdminClient

        for svc in DBS:
            mongo_client.drop_database(self.env[f"{svc}_MONGO_DB"])
        mongo_client.drop_database(self.env["KABINET_KEYS_DB"])
        admin = KafkaAdminClient(bootstrap_servers=kafka, client_id="bench-clean-up")
        try:
            ours = [t for t in admin.list_topics() if t.startswith(self.prefix)]
            if ours:
                admin.delete_topics(ours)
        finally:
            admin.close()


def registration(channel: str) -> tuple[Any, str]:
    """A `UserRegistered` envelope as identity appends it, and where its code must arrive."""
    from kabinet.contracts import REGISTRY, new_envelope

    account = str(uuid.uuid4())
    tag = uuid.uuid4().hex[:10]
    phone, email = f"+7999{uuid.uuid4().int % 10**7:07d}", f"bench.{tag}@example.ru"
    payload = {
        **REGISTRY.latest("UserRegistered").example,
        "account_id": account,
        "login": f"bench_{tag}",
        "phone": phone,
        "email": email,
        "confirm_via": channel,
        "contact_in_use": False,
    }
    envelope = new_envelope(
        "UserRegistered", payload, event_version=1, producer="identity", stream_id=f"account-{account}",
        stream_version=1, correlation_id=str(uuid.uuid4()),
    )  # fmt: skip
    return envelope, phone if channel == "sms" else email


class Driver:
    """Appends registrations to the accounts topic and finds their messages in the inbox's store."""

    def __init__(self, suite: Suite, kafka: str, mongo_client: Any) -> None:
        from kabinet import kafka as kafka_clients
        from kabinet.contracts.topics import ACCOUNTS

        self.topic = suite.prefix + ACCOUNTS
        self.prefix = suite.prefix
        self.producer = kafka_clients.producer(kafka, client_id="bench-identity")
        self.messages = mongo_client[suite.env["DEVSINK_MONGO_DB"]]["messages"]
        self.accounts: dict[str, str] = {}  # account id → its code's destination

    def wire(self, channels: list[str]) -> list[tuple[Any, str]]:
        """Encoded messages (personal data sealed as identity seals it) and their destinations."""
        from kabinet.contracts import encode

        out = []
        for env, to in map(registration, channels):
            self.accounts[str(env.payload["account_id"])] = to
            out.append((encode(env), to))
        return out

    def stages(self, kafka: str, appended_at: dict[str, float]) -> dict[str, list[float]]:
        """Where the time went, per message (ms after its append): verification appended its
        VerificationRequested (`occurred_at`), the relay published it (the record's timestamp)."""
        from kafka import KafkaConsumer, TopicPartition

        from kabinet.contracts.topics import VERIFICATION

        topic = self.prefix + VERIFICATION
        reader = KafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False, consumer_timeout_ms=3000)
        parts = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or ()]
        reader.assign(parts)
        reader.seek_to_beginning(*parts)
        out: dict[str, list[float]] = {"verification appended": [], "relay published": []}
        try:
            for record in reader:
                env = json.loads(record.value)
                to = self.accounts.get(str(env.get("payload", {}).get("account_id")))
                if env.get("event_type") != "VerificationRequested" or to not in appended_at:
                    continue
                at = appended_at[to]
                occurred = datetime.fromisoformat(env["occurred_at"].replace("Z", "+00:00")).timestamp()
                out["verification appended"].append((occurred - at) * 1000)
                out["relay published"].append((record.timestamp / 1000 - at) * 1000)
        finally:
            reader.close()
        return out

    def send(self, wire: Any) -> float:
        """Hand one message to the producer; the wall-clock time it was appended."""
        at = time.time()
        self.producer.send(self.topic, key=wire.key, value=wire.value, headers=wire.headers)
        return at

    def arrived(self, destinations: list[str]) -> dict[str, datetime]:
        """`sent_at` of the first message to each destination that has one."""
        found: dict[str, datetime] = {}
        for i in range(0, len(destinations), 500):
            for doc in self.messages.find(
                {"to": {"$in": destinations[i : i + 500]}}, {"to": 1, "sent_at": 1}
            ):
                if doc["to"] not in found or doc["sent_at"] < found[doc["to"]]:
                    found[doc["to"]] = doc["sent_at"]
        return found

    def wait(self, destinations: list[str], timeout: float, suite: Suite) -> dict[str, datetime]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.arrived(destinations)
            if len(found) == len(destinations) or time.monotonic() > deadline:
                return found
            suite.alive()
            time.sleep(0.5)


def steady(driver: Driver, rate: float, seconds: float, channels: list[str]) -> tuple[list[float], list[str]]:
    """Append at a steady `rate` for `seconds`; append times and destinations."""
    prepared = driver.wire([channels[i % len(channels)] for i in range(int(rate * seconds))])
    appended: list[float] = []
    start = time.perf_counter() + 0.2
    for i, (wire, _) in enumerate(prepared):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        appended.append(driver.send(wire))
    driver.producer.flush(30)
    return appended, [to for _, to in prepared]


def kind(destination: str) -> str:
    """The channel a destination belongs to."""
    return "email" if "@" in destination else "sms"


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def summary(values: list[float]) -> dict[str, float]:
    s = sorted(values)
    return {
        "p50": round(percentile(s, 50), 1),
        "p95": round(percentile(s, 95), 1),
        "p99": round(percentile(s, 99), 1),
        "max": round(s[-1], 1),
        "mean": round(statistics.fmean(s), 1),
        "min": round(s[0], 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_notify_latency", description=__doc__)
    parser.add_argument("--rate", type=float, default=50.0, help="registrations per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--channel", choices=("sms", "email", "mix"), default="sms")
    parser.add_argument(
        "--sms",
        choices=("http", "smpp", "smpp-no-receipts"),
        default="http",
        help="the notifier's SMS adapter",
    )
    parser.add_argument("--profile", action="store_true", help="run the two consumers under pyinstrument")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep topics and databases")
    args = parser.parse_args(argv)
    channels = ["sms", "email"] if args.channel == "mix" else [args.channel]
    kafka, mongo = servers()
    from kabinet.mongo import connect

    os.environ.setdefault("LOG_JSON", "0")
    client = connect(mongo, app_name="bench-notify-latency")
    suite = Suite(kafka, mongo, profile=args.profile, sms=args.sms)
    seal_as_identity(suite.env)
    try:
        print(f"starting {', '.join(NEEDED)} (logs in {suite.logs}) …", flush=True)
        suite.start()
        driver = Driver(suite, kafka, client)
        warm_started = time.monotonic()
        warm_wire = driver.wire(channels * 3)
        for w, _ in warm_wire:
            driver.send(w)
        driver.producer.flush(30)
        got = driver.wait([to for _, to in warm_wire], 180, suite)
        if len(got) < len(warm_wire):
            raise SystemExit(f"warm-up messages did not arrive; logs in {suite.logs}")
        print(f"  warm after {time.monotonic() - warm_started:.1f}s; {args.rate:g}/s for {args.seconds:g}s …")
        before = suite.stats()
        load_before = os.getloadavg()
        appended, destinations = steady(driver, args.rate, args.seconds, channels)
        sent_for = driver.wait(destinations, 60, suite)
        after = suite.stats()
        pairs = zip(appended, destinations, strict=True)
        measured = [(to, (sent_for[to].timestamp() - at) * 1000) for at, to in pairs if to in sent_for]
        latencies = [ms for _, ms in measured]
        span = appended[-1] - appended[0] if len(appended) > 1 else 0.0
        per_channel = {
            ch: summary(mine) for ch in channels if (mine := [ms for to, ms in measured if kind(to) == ch])
        }
        appended_at = dict(zip(destinations, appended, strict=True))
        over_time: dict[int, list[float]] = {}
        for to, ms in measured:
            over_time.setdefault(int((appended_at[to] - appended[0]) // 2) * 2, []).append(ms)
        stages = {name: summary(v) for name, v in driver.stages(kafka, appended_at).items() if v}
        met = bool(latencies) and len(latencies) == len(appended) and summary(latencies)["p99"] < 250
        result = {
            "bench": "notify-latency",
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "path": "UserRegistered on the accounts topic → verification (challenge, outbox, relay) → "
            "VerificationRequested → notifier (render, send) → dev inbox sent_at",
            "rate_per_s": args.rate,
            "achieved_rate_per_s": round((len(appended) - 1) / span, 1) if span else None,
            "seconds": args.seconds,
            "channels": channels,
            "sms_adapter": args.sms,
            "events": len(appended),
            "delivered": len(latencies),
            "missing": len(appended) - len(latencies),
            "latency_ms": summary(latencies) if latencies else None,
            "latency_ms_by_channel": per_channel,
            "stages_ms": stages,  # cumulative from the append: how far each hop had come
            "p99_ms_by_2s": {f"{t}s": summary(v)["p99"] for t, v in sorted(over_time.items())},
            "goal": "p99 < 250 ms",
            "goal_met": met,
            "processes": {
                name: {
                    "cpu_s": round(after[name][0] - before[name][0], 2),
                    "rss_mb": round(after[name][1], 1),
                }
                for name in after
                if name in before
            },
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "load_avg_before": [round(x, 2) for x in load_before],
                        "load_avg_after": [round(x, 2) for x in os.getloadavg()]},
            "profiled": args.profile,
            "logs": str(suite.logs),
        }  # fmt: skip
    finally:
        suite.stop()
        if not args.keep:
            suite.clean_up(client, kafka)
        client.close()
    out = args.out or RESULTS / f"notify-latency-{date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    lat = result["latency_ms"] or {}
    print(
        f"{result['delivered']}/{result['events']} delivered; latency ms p50 {lat.get('p50')} "
        f"p95 {lat.get('p95')} p99 {lat.get('p99')} max {lat.get('max')} (goal p99 < 250) → {out}"
    )
    print("  p99 by 2 s of appends:", " ".join(f"{t}:{v:.0f}" for t, v in result["p99_ms_by_2s"].items()))
    for name, st in result["stages_ms"].items():
        print(f"  {name}: p50 {st['p50']} p99 {st['p99']} ms after the append")
    return 0


def seal_as_identity(env: dict[str, str]) -> None:
    """Install the suite's key store in this process, so the codec seals personal data as the
    gateway does (the account's key made here, opened downstream), not as plain text."""
    from identity.config import Settings
    from kabinet.privacy.payload import use_keystore
    from kabinet.runtime import open_keystore

    os.environ["KABINET_KEYS_DB"] = env["KABINET_KEYS_DB"]
    use_keystore(open_keystore(None, Settings.from_env(env).infra))


def profiled(package: str, consumer: str, report: str) -> int:
    """One registered consumer in this process's main thread under pyinstrument (wall time), or
    yappi (CPU time per function, every thread) with BENCH_CPU_PROFILE set, until SIGINT/SIGTERM."""
    from kabinet.logs import configure_logging
    from kabinet.runtime import Runtime
    from kabinet.service import build_loop

    service = importlib.import_module(f"{package}.bootstrap").SERVICE
    infra = service.infra()
    configure_logging(service.name, infra.log_level, infra.log_json)
    runtime = Runtime.open(infra)
    _consumer, loop = build_loop(runtime, service.consumers[consumer])
    start, write = _yappi(report) if os.environ.get("BENCH_CPU_PROFILE") else _pyinstrument(report)

    def finish(*_: object) -> None:  # at once, even in the middle of a batch: a backlog may be long
        write()
        os._exit(0)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, finish)
    start()
    loop.run(threading.Event())
    return 0


def _pyinstrument(report: str) -> tuple[Callable[[], None], Callable[[], None]]:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)

    def write() -> None:
        profiler.stop()
        Path(report).write_text(profiler.output_text(unicode=True, show_all=False))

    return profiler.start, write


def _yappi(report: str) -> tuple[Callable[[], None], Callable[[], None]]:
    import yappi  # requirements-dev.txt

    yappi.set_clock_type("cpu")
    columns = {0: ("name", 90), 1: ("ncall", 9), 3: ("ttot", 8), 2: ("tsub", 8)}

    def write() -> None:
        yappi.stop()
        with open(report.replace(".txt", ".cpu.txt"), "w") as out:
            yappi.get_func_stats().sort("ttot").print_all(out=out, columns=columns)

    return yappi.start, write


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_profiled":
        sys.exit(profiled(*sys.argv[2:5]))
    sys.exit(main())
