"""`make bench`: baselines, an end-to-end load of virtual subscribers, projection lag, a profile.

    .venv/bin/python tests/bench/run_bench.py [--subscribers 60] [--seconds 20] [--quick]
    .venv/bin/python tests/bench/run_bench.py --only-lag --lag-rates 20 --lag-seconds 10

Phases in order: bare Flask (`hello`), subscriber journeys, the login hammer, /me and /services
read hammers, open loops of /me and /services (at shares of the bare-Flask rate and of /me's
own), the registration hammer (fresh subscribers), failed-login timing (unknown logins
alternating with wrong passwords of existing accounts, one client: no queueing), /me read by
paced readers while the login hammer saturates the CPU, then projection lag at each rate
(append → the projecting consumer groups' committed offsets, tests/bench/lag.py).
Bare Flask and the reads are sent by vegeta (tests/bench/vegeta.py: the Python driver was
slower than the bare-Flask server it measured); everything else by the Python driver.
The bench stack relaxes the registration quotas and the failed-login back-off (all its traffic
comes from 127.0.0.1 and the gateway trusts no X-Forwarded-For by default).

Writes bench/results/<date>.json, <date>.md and <date>.png. The suite runs as real processes
in its own topic namespace and databases (deploy/services.py, as `make run` and the e2e
`stack` fixture start it), so a running `make run` is not disturbed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT / "tests")]

import baselines  # noqa: E402
import gateway_load  # noqa: E402
import lag  # noqa: E402
import load  # noqa: E402
import report  # noqa: E402
import vegeta  # noqa: E402
from procstat import ProcSampler, wait_machine_quiet  # noqa: E402
from suite import PrivateServers, Suite, free_port, infra_module  # noqa: E402

from kabinet.cli import API_THREADS  # noqa: E402  (the services' gunicorn threads; the baseline's too)


def servers() -> dict[str, str]:
    """Kafka and Mongo: from the environment, else the project's local servers (started if needed)."""
    kafka, mongo = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGO_URI")
    if not kafka or not mongo:
        ends = infra_module().ensure_started()
        kafka, mongo = kafka or ends.kafka_bootstrap, mongo or ends.mongo_uri
    return {"kafka": kafka, "mongo": mongo}


def server_pids() -> dict[str, list[int]]:
    """Pids of the local Kafka and Mongo servers (shared with other users of this machine)."""
    try:
        return {f"server:{s.name}": [s.pid] for s in infra_module().status() if s.pid}
    except Exception:
        return {}


class Bench:
    """One benchmark run."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rec = load.Recorder()
        self.phases: dict[str, tuple[float, float]] = {}
        self.notes: list[str] = []
        self.extra_groups: dict[str, list[int]] = {}
        self.suite: Suite | None = None
        self.private = PrivateServers("bench") if args.private_servers else None
        self.srv = {"kafka": self.private.kafka, "mongo": self.private.mongo} if self.private else servers()
        self._lag_values: dict[str, list[float]] = {}
        self.paced_rates: dict[str, float] = {}  # paced phase → its offered rate
        if args.driver == "vegeta":
            try:
                vegeta.binary()
            except Exception as exc:  # no Go here (a mongod on PATH needs none): the Python driver
                args.driver = "python"
                self.notes.append(
                    f"vegeta unavailable ({type(exc).__name__}: {exc}); bare Flask and the reads were "
                    "sent by the Python driver, slower than bare Flask: ratios against it are flattered"
                )

    @property
    def live(self) -> Suite:
        """The running suite (phases run only while it is up)."""
        assert self.suite is not None, "the suite is not running"
        return self.suite

    def groups(self) -> dict[str, list[int]]:
        out = dict(self.suite.tree()) if self.suite else {}
        out.update(self.private.pids if self.private else server_pids())
        if "server:postgres" in out:  # the postmaster's backends do the queries FerretDB sends
            from suite import children

            out["server:postgres"] = [p for pid in out["server:postgres"] for p in (pid, *children(pid))]
        out.update(self.extra_groups)
        out["load-driver"] = [os.getpid()]
        return out

    def phase(self, name: str) -> Any:
        bench = self

        class _Phase:
            def __enter__(self) -> None:
                bench.rec.phase = name
                self.t0 = time.time()
                print(f"[bench] {time.strftime('%H:%M:%S')} phase {name}", flush=True)

            def __exit__(self, *exc: object) -> None:
                bench.phases[name] = (self.t0, time.time())

        return _Phase()

    # ------------------------------------------------------------------ phases

    def hello(self, seconds: float, threads: int) -> None:
        server = baselines.HelloServer(
            free_port(), self.args.api_workers, API_THREADS, self.live.logs / "hello.log"
        )
        self.extra_groups["hello-api"] = [server.proc.pid]
        try:
            from suite import children

            self.extra_groups["hello-api"] += children(server.proc.pid)
            with self.phase("hello"):
                self.drive("hello", [(server.url, {})], seconds, workers=threads)
        finally:
            server.stop()
            self.extra_groups.pop("hello-api", None)

    def journeys(self, count: int, threads: int) -> list[load.Subscriber]:
        from kabinet import kafka as kafka_clients
        from kabinet.contracts import encode, new_envelope
        from kabinet.contracts.topics import BILLING_FEED

        subs = []
        for _ in range(count):
            body = load.person()
            subs.append(load.Subscriber(body, load.billing_account(body)))
        producer = kafka_clients.producer(self.srv["kafka"], client_id="bench-billing")
        for sub in subs:
            env = new_envelope(
                "BillingAccountUpserted", sub.account, event_version=1, producer="billing",
                stream_id=sub.account["account_number"], stream_version=1, correlation_id=str(uuid.uuid4()),
            )  # fmt: skip
            wire = encode(env)
            producer.send(self.live.topic(BILLING_FEED), key=wire.key, value=wire.value, headers=wire.headers)
        producer.flush(30)
        producer.close(5)
        with self.phase("journey"):
            load.run_each(
                subs,
                threads,
                lambda s, sub: load.journey(
                    self.rec, s, self.live.gateway, self.live.inbox, sub, reads=self.args.reads
                ),
            )
        failed = [s.failed for s in subs if s.failed]
        if failed:
            self.notes.append(f"{len(failed)} of {count} journeys failed: {sorted(set(failed))}")
        return [s for s in subs if s.token]

    def logins(self, subs: list[load.Subscriber], seconds: float, threads: int) -> None:
        url = f"{self.live.gateway}/api/v1/sessions"

        def work(s: Any, i: int) -> None:
            sub = subs[i % len(subs)]
            body = {"login": sub.body["login"], "password": sub.body["password"]}
            self.rec.call(s, "login", "POST", url, json=body)

        with self.phase("login"):
            load.hammer(threads, seconds, work, reconnect_every=1)

    def reads(self, subs: list[load.Subscriber], path: str, name: str, seconds: float, threads: int) -> None:
        with self.phase(f"reads_{name}"):
            self.drive(name, self._read_targets(subs, path), seconds, workers=threads)

    def _read_targets(self, subs: list[load.Subscriber], path: str) -> list[vegeta.Target]:
        url = f"{self.live.gateway}/api/v1/{path}"
        return [(url, {"Authorization": f"Bearer {sub.token}"}) for sub in subs]

    def drive(
        self,
        name: str,
        targets: list[vegeta.Target],
        seconds: float,
        *,
        workers: int = 16,
        rate: float | None = None,
    ) -> None:
        """GET the targets in turn: a closed loop of `workers` clients, or an open loop at `rate`/s.
        vegeta sends them (its CPU is the `load-driver:vegeta` group); `--driver python` uses the
        Python driver (`load.hammer` / `load.paced`) instead."""
        if self.args.driver == "vegeta":

            def started(pid: int) -> None:
                self.extra_groups["load-driver:vegeta"] = [pid]

            try:
                vegeta.attack(self.rec, name, targets, seconds, rate=rate, workers=workers, on_start=started)
            finally:
                self.extra_groups.pop("load-driver:vegeta", None)
            return

        def closed(s: Any, i: int) -> None:
            url, headers = targets[i % len(targets)]
            self.rec.call(s, name, "GET", url, headers=headers)

        def open_(s: Any, i: int, due: float) -> None:
            url, headers = targets[i % len(targets)]
            self.rec.call(s, name, "GET", url, headers=headers, due=due)

        if rate is None:
            load.hammer(workers, seconds, closed)
        else:
            load.paced(rate, seconds, open_)

    def paced_reads(
        self, subs: list[load.Subscriber], path: str, name: str, seconds: float, share: float, phase: str
    ) -> None:
        """`GET path` in an open loop at `share` of the bare-Flask rate: the latency a reader
        sees while the gateway serves that share (a closed loop at saturation shows the queue of
        its own clients instead: bare Flask's p99 there is ~50 ms too)."""
        hello = report.stats(self.rec.of("hello", "hello"), self._span("hello")).get("ok_per_s") or 0
        self.paced_at(subs, path, name, seconds, share * hello, phase)

    def paced_at(
        self, subs: list[load.Subscriber], path: str, name: str, seconds: float, rate: float, phase: str
    ) -> None:
        """`GET path` in an open loop at `rate`/s."""
        rate = max(1.0, rate)
        self.paced_rates[phase] = round(rate, 1)
        with self.phase(phase):
            self.drive(name, self._read_targets(subs, path), seconds, rate=rate)

    def registrations(self, seconds: float, threads: int) -> None:
        with self.phase("registration"):
            gateway_load.registrations(self.rec, self.live.gateway, seconds, threads)

    def login_timing(self, subs: list[load.Subscriber], seconds: float, threads: int) -> None:
        with self.phase("login_timing"):
            gateway_load.failed_logins(self.rec, self.live.gateway, subs, seconds, threads)

    def me_under_login(self, subs: list[load.Subscriber], seconds: float) -> None:
        a = self.args
        with self.phase("me_under_login"):
            gateway_load.me_beside_logins(
                self.rec, self.live.gateway, subs, seconds,
                login_threads=a.login_threads, readers=a.busy_readers, think=a.busy_think,
            )  # fmt: skip

    def projection_lag(self, rate: float, seconds: float) -> dict[str, Any]:
        """UserRegistered appended at `rate`/s for `seconds`: lag until each projecting consumer group
        has committed past the event (tests/bench/lag.py; nothing is read from Mongo to measure).

        An event never seen within the settle time counts as infinitely late, so a percentile
        that would fall on it is reported as None (not reached)."""
        from billing_link.consumers import CONSUMERS as BILLING_LINK
        from identity.config import Settings
        from identity.consumers import CONSUMERS as IDENTITY
        from kabinet.contracts.topics import ACCOUNTS
        from kabinet.runtime import Runtime
        from verification.consumers import CONSUMERS as VERIFICATION

        group = self.live.topic_prefix  # the suite's consumers run their groups in its namespace
        watches = [
            lag.Watch("verification.requests (challenge issued)", group + VERIFICATION["requests"].group_id),
            lag.Watch("billing-link.projection (subscriber)", group + BILLING_LINK["projection"].group_id),
            lag.Watch("identity.projection (account, own)", group + IDENTITY["projection"].group_id),
        ]
        # identity's own runtime: its event store in the suite's namespace, and the suite's key
        # store installed for sealing personal data as the gateway does
        runtime = Runtime.open(Settings.from_env(self.live.env).infra)
        try:
            self.quiet()
            with self.phase(f"lag_{rate:.0f}/s"):
                run = lag.run(
                    lag.registrations(runtime.store), watches, bootstrap=self.srv["kafka"],
                    topic=self.live.topic(ACCOUNTS), rate=rate, seconds=seconds, settle=self.args.lag_settle,
                )  # fmt: skip
        finally:
            runtime.close()
        return self._lag_summary(run, rate, "UserRegistered", "")

    def quiet(self) -> None:
        """Wait until the suite's consumers are past every record (a phase measures its own events)."""
        waited = lag.wait_quiet(self.srv["kafka"], self.live.topic_prefix)
        print(f"[bench] suite quiet after {waited:.1f} s", flush=True)

    def feed_lag(self, rate: float, seconds: float) -> dict[str, Any]:
        """BalanceChanged published to the billing feed at `rate`/s (as the operator's billing does):
        lag until billing-link's directory and feed effects and the gateway's service view have
        committed past it. Lighter than a registration: no code, no message follows it."""
        from billing_link.consumers import CONSUMERS as BILLING_LINK
        from identity.consumers import CONSUMERS as IDENTITY
        from kabinet import kafka as kafka_clients
        from kabinet.contracts.topics import BILLING_FEED

        group = self.live.topic_prefix
        watches = [
            lag.Watch("billing-link.projection (directory)", group + BILLING_LINK["projection"].group_id),
            lag.Watch(
                "billing-link.billing-feed (link effects)", group + BILLING_LINK["billing-feed"].group_id
            ),
            lag.Watch(
                "identity.services (the gateway's service view)", group + IDENTITY["services"].group_id
            ),
        ]
        producer = kafka_clients.producer(self.srv["kafka"], client_id="bench-feed")
        try:
            self.quiet()
            with self.phase(f"feed_lag_{rate:.0f}/s"):
                run = lag.run(
                    lag.balance_changes(producer, self.live.topic(BILLING_FEED)), watches,
                    bootstrap=self.srv["kafka"], topic=self.live.topic(BILLING_FEED), rate=rate,
                    seconds=seconds, settle=self.args.lag_settle, key_prefix="",
                )  # fmt: skip
        finally:
            producer.close(5)
        return self._lag_summary(run, rate, "BalanceChanged", "feed ")

    def _lag_summary(self, run: lag.LagRun, rate: float, event: str, label: str) -> dict[str, Any]:
        projections = {}
        for w in run.watches:
            values = run.lags(w)
            padded = values + [float("inf")] * (len(run.appended) - len(values))
            stats = report.latency(padded)
            projections[w.name] = {
                "seen": f"{len(values)}/{len(run.appended)}",
                **{k: (None if v is None or math.isinf(v) else v) for k, v in stats.items()},
            }
            self._lag_values[f"{label}{w.name} @ {rate:.0f}/s"] = values
        published = report.latency(run.relay_lags())
        if run.last_error:
            self.notes.append(f"lag {rate:.0f}/s: last error {run.last_error}")
        return {
            "event": event,
            "offered_rate": run.offered_rate,
            "achieved_rate": round(run.achieved_rate, 1),
            "events": len(run.appended),
            "append_errors": run.errors,
            "offset_fetch_errors": run.probe_errors,
            "settle_s": self.args.lag_settle,
            "measured_as": "append → the consumer group's committed offset past the event's record",
            # the relay's share (plus the bench tail's read), for reading the rows: not a projection
            "published": {"seen": f"{len(run.published)}/{len(run.appended)}", **published},
            "projections": projections,
        }

    def backbone_probes(self) -> dict[str, Any]:
        """What the shared backbone's queries cost on this Mongo server at the end of the run."""
        from kabinet.eventstore import EventStore
        from kabinet.mongo import connect

        client = connect(self.srv["mongo"], app_name="bench-probes")
        out: dict[str, Any] = {}
        try:
            for svc, name in self.live.databases().items():
                if svc in ("devsink", "keys"):
                    continue
                db = client[name]
                store = EventStore(db, topic_prefix=self.live.topic_prefix)
                one = db["events"].find_one({}, ["_id"])
                if one is None:
                    continue

                def timed(fn: Any, n: int = 5) -> float:
                    t0 = time.perf_counter()
                    for _ in range(n):
                        fn()
                    return round((time.perf_counter() - t0) / n * 1000, 2)

                out[svc] = {
                    "events": db["events"].estimated_document_count(),
                    "relay_scan_unpublished_ms": timed(lambda s=store: s.unpublished(500)),
                    "find_by_id_ms": timed(lambda d=db, i=one["_id"]: d["events"].find_one({"_id": i})),
                    "find_by_id_and_field_ms": timed(
                        lambda d=db, i=one["_id"]: d["events"].find_one({"_id": i, "published": True})
                    ),
                    "load_stream_ms": timed(lambda s=store, i=one["_id"]: s.load(i.rsplit(":", 1)[0])),
                }
        finally:
            client.close()
        return out

    def profile(self, sub: load.Subscriber, requests_: int = 300) -> dict[str, str]:
        """pyinstrument over the gateway's read endpoints, in this process (one worker's view)."""
        from pyinstrument import Profiler

        from identity.app import create_app
        from identity.config import Settings

        saved = dict(os.environ)
        os.environ.update(self.live.env)
        try:
            app = create_app(Settings.from_env(self.live.env))
        finally:
            os.environ.clear()
            os.environ.update(saved)
        client = app.test_client()
        auth = {"Authorization": f"Bearer {sub.token}"}
        out = {}
        for path in ("/api/v1/me", "/api/v1/services"):
            client.get(path, headers=auth)
            profiler = Profiler(interval=0.0005)
            t0 = time.perf_counter()
            with profiler:
                for _ in range(requests_):
                    client.get(path, headers=auth)
            per = (time.perf_counter() - t0) / requests_ * 1000
            text = profiler.output_text(unicode=False, color=False, show_all=False)
            lines = [ln for ln in text.splitlines() if ln.strip()][:45]
            out[f"GET {path} ({per:.2f} ms per request in-process, {requests_} requests)"] = "\n".join(lines)
        app.extensions["kabinet"].close()
        return out

    def others(self) -> dict[str, dict[str, Any]]:
        """Every other benchmark of tests/bench (`bench_*.py`, owned by the other issues), as its
        owner runs it: `python -m tests.bench.<name>`; its exit code and the tail of its output."""
        out: dict[str, dict[str, Any]] = {}
        for script in sorted(HERE.glob("bench_*.py")):
            waited = wait_machine_quiet()  # not in the wake of the one before (100k writes, a replay)
            clock = time.strftime("%H:%M:%S")
            print(f"[bench] {clock} running {script.name} (machine quiet after {waited:.0f} s)", flush=True)
            t0 = time.monotonic()
            try:
                done = subprocess.run(
                    [sys.executable, "-m", f"tests.bench.{script.stem}"],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=self.args.others_timeout,
                )
                code: int | str = done.returncode
                text = done.stdout + done.stderr
            except subprocess.TimeoutExpired as exc:
                code, text = "timeout", str(exc.stdout or "")
            tail = [ln for ln in text.strip().splitlines() if "KABINET_MASTER_KEY" not in ln][-25:]
            out[script.stem] = {
                "exit": code,
                "waited_for_quiet_s": round(waited, 1),
                "seconds": round(time.monotonic() - t0, 1),
                "output": "\n".join(tail),
            }
        return out

    # ------------------------------------------------------------------ run

    def start_suite(self) -> None:
        """The suite as every phase sees it: relaxed quotas and back-off, quiet logs."""
        a = self.args
        env = {
            "IDENTITY_BCRYPT_ROUNDS": str(a.bcrypt_rounds),
            "LOG_LEVEL": "WARNING",
            # every failed login of the timing phase comes from 127.0.0.1: no back-off in the way
            "IDENTITY_THROTTLE_LOGIN_FREE": "1000000",
            "IDENTITY_THROTTLE_IP_FREE": "1000000",
        }
        if a.what_if_id_lookups:  # every suite process loads tests/bench/ferret_patch/sitecustomize.py
            patch = str(HERE / "ferret_patch")
            env["PYTHONPATH"] = os.pathsep.join(p for p in (patch, os.environ.get("PYTHONPATH")) if p)
            sys.path.insert(0, patch)
            import sitecustomize  # noqa: F401  (this process appends the lag events)

            self.notes.append(
                "WHAT-IF run: backbone queries patched into `{_id}` lookups (tests/bench/ferret_patch), "
                "not the code as committed"
            )
        self.suite = Suite.start(
            self.srv,
            env=env,
            api_workers=a.api_workers,
            name="bench",
        )

    def lag_only(self) -> dict[str, Any]:
        """Only the projection-lag phase (`--only-lag`): the suite started as `run` does, no baselines."""
        self.start_suite()
        sampler = ProcSampler(self.groups, every=1.0)
        sampler.start()
        try:
            lags = {f"{r:.0f}/s": self.projection_lag(r, self.args.lag_seconds) for r in self.args.lag_rates}
            for r in self.args.feed_lag_rates:
                lags[f"feed {r:.0f}/s"] = self.feed_lag(r, self.args.lag_seconds)
            sampler.stop()
            phase_of = {f"{r:.0f}/s": f"lag_{r:.0f}/s" for r in self.args.lag_rates}
            phase_of |= {f"feed {r:.0f}/s": f"feed_lag_{r:.0f}/s" for r in self.args.feed_lag_rates}
            for key, phase in phase_of.items():
                t0, t1 = self.phases[phase]
                cpu = {p: v["cpu_percent"] for p, v in sampler.summary(t0, t1).items()}
                events = lags[key]["events"]
                per = (
                    f", {10 * sum(cpu.values()) * (t1 - t0) / events:.1f} ms of CPU per event"
                    if events
                    else ""
                )
                top = ", ".join(f"{p} {c:.0f}%" for p, c in sorted(cpu.items(), key=lambda pc: -pc[1])[:8])
                total = f"CPU {sum(cpu.values()):.0f}% of a core over {t1 - t0:.0f} s"
                print(f"[bench] {phase}: {total}{per}; {top}")
            return lags
        finally:
            sampler.stop()
            self.live.stop(drop=_mongo(self.srv["mongo"]))

    def run(self) -> dict[str, Any]:
        a = self.args
        t_start, load_start = time.time(), baselines.loadavg()
        print(f"[bench] load average {load_start}; baselines", flush=True)
        base: dict[str, Any] = {}
        base["bcrypt"] = baselines.bcrypt_rates(a.bcrypt_rounds, a.api_workers)
        base["mongo_bulk_write"] = baselines.mongo_bulk_write(self.srv["mongo"], a.raw_count)
        base["kafka_consume"] = baselines.kafka_consume(
            self.srv["kafka"], f"benchraw{uuid.uuid4().hex[:8]}.events", a.raw_count
        )
        print(f"[bench] baselines {json.dumps(base)}", flush=True)
        self.start_suite()
        sampler = ProcSampler(self.groups, every=1.0)
        sampler.start()
        profile: dict[str, str] = {}
        try:
            self.hello(a.seconds, a.read_threads)
            subs = self.journeys(a.subscribers, a.journey_threads)
            if not subs:
                raise RuntimeError(f"no journey finished; logs in {self.live.logs}")
            self.logins(subs, a.seconds, a.login_threads)
            self.reads(subs, "me", "me", a.seconds, a.read_threads)
            self.reads(subs, "services", "services", a.seconds, a.read_threads)
            self.paced_reads(subs, "me", "me", a.seconds, a.reads_share, "paced_me")
            self.paced_reads(subs, "services", "services", a.seconds, a.reads_share, "paced_services")
            for share in a.reads_curve:  # where the p99 goal holds: the same open loop, lighter
                self.paced_reads(subs, "me", "me", a.seconds / 2, share, f"paced_me_{share:.0%}")
            own = report.stats(self.rec.of("reads_me", "me"), self._span("reads_me")).get("ok_per_s") or 0
            for share in a.reads_own_curve:  # and at shares of /me's own capacity
                self.paced_at(subs, "me", "me", a.seconds / 2, share * own, f"paced_me_{share:.0%}_own")
            self.registrations(a.seconds, a.login_threads)
            self.login_timing(subs, a.timing_seconds, a.timing_threads)
            self.me_under_login(subs, a.seconds)
            if a.profile:
                try:
                    profile = self.profile(random.choice(subs))
                except Exception as exc:  # e.g. a tree mid-edit: the run's numbers still count
                    self.notes.append(f"profile skipped: {type(exc).__name__}: {exc}")
            lag_result = {
                f"{rate:.0f}/s": self.projection_lag(rate, self.args.lag_seconds)
                for rate in self.args.lag_rates
            }
            for rate in self.args.feed_lag_rates:
                lag_result[f"feed {rate:.0f}/s"] = self.feed_lag(rate, self.args.lag_seconds)
            probes = self.backbone_probes()
        finally:
            sampler.stop()
            self.suite.stop(drop=_mongo(self.srv["mongo"]))
        others_result = self.others() if a.others else {}
        result = self._result(base, lag_result, sampler, profile, others_result, t_start, load_start)
        result["backbone_probes"] = probes
        return result

    def _result(
        self,
        base: dict[str, Any],
        lag_result: dict[str, Any],
        sampler: ProcSampler,
        profile: dict[str, str],
        others_result: dict[str, Any] | None,
        t_start: float,
        load_start: list[float],
    ) -> dict[str, Any]:
        a = self.args
        rows = []
        for phase, (t0, t1) in self.phases.items():
            names = sorted({s.name for s in self.rec.of(phase)})
            for name in names:
                wall = t1 - t0 if phase != "journey" else None
                rows.append(
                    {"phase": phase, "name": name, "stats": report.stats(self.rec.of(phase, name), wall)}
                )
        hello = report.stats(self.rec.of("hello", "hello"), self._span("hello"))
        base["bare_flask"] = {k: hello.get(k) for k in ("ok_per_s", "p50_ms", "p95_ms", "p99_ms", "errors")}
        login = report.stats(self.rec.of("login", "login"), self._span("login"))
        me = report.stats(self.rec.of("reads_me", "me"), self._span("reads_me"))
        svc = report.stats(self.rec.of("reads_services", "services"), self._span("reads_services"))
        paced_me = report.stats(self.rec.of("paced_me", "me"), self._span("paced_me"))
        paced_svc = report.stats(self.rec.of("paced_services", "services"), self._span("paced_services"))
        bound = base["bcrypt"]["bound_per_s"]
        goals = [
            _goal("login ok/s ≥ 90% of the bcrypt bound", login.get("ok_per_s"), bound, ">= 0.9", 0.9),
            _goal(
                "(info) login ok/s vs bcrypt measured in parallel on this machine now",
                login.get("ok_per_s"),
                base["bcrypt"]["measured_parallel_per_s"],
                ">= 0.9",
                0.9,
            ),
            _goal(
                "GET /me ok/s ≥ 50% of bare Flask", me.get("ok_per_s"), hello.get("ok_per_s"), ">= 0.5", 0.5
            ),
            _goal(
                f"GET /me p99 < 50 ms at {a.reads_share:.0%} of the bare-Flask rate "
                f"(open loop, {self.paced_rates.get('paced_me')} req/s offered, "
                f"{paced_me.get('ok_per_s')} ok/s)",
                paced_me.get("p99_ms"),
                50,
                "< 50 ms",
                None,
                below=50,
            ),
            _goal(
                f"(info) GET /me p99 at saturation ({a.read_threads} closed-loop clients; bare Flask's own "
                f"p99 there {hello.get('p99_ms')} ms)",
                me.get("p99_ms"),
                50,
                "< 50 ms",
                None,
                below=50,
            ),
            _goal(
                "GET /services ok/s ≥ 50% of bare Flask",
                svc.get("ok_per_s"),
                hello.get("ok_per_s"),
                ">= 0.5",
                0.5,
            ),
            _goal(
                f"GET /services p99 < 50 ms at {a.reads_share:.0%} of the bare-Flask rate "
                f"(open loop, {self.paced_rates.get('paced_services')} req/s offered, "
                f"{paced_svc.get('ok_per_s')} ok/s)",
                paced_svc.get("p99_ms"),
                50,
                "< 50 ms",
                None,
                below=50,
            ),
            _goal(
                f"(info) GET /services p99 at saturation ({a.read_threads} closed-loop clients)",
                svc.get("p99_ms"),
                50,
                "< 50 ms",
                None,
                below=50,
            ),
        ]
        curve = [(f"paced_me_{x:.0%}", f"{x:.0%} of the bare-Flask rate") for x in a.reads_curve]
        curve += [
            (f"paced_me_{x:.0%}_own", f"{x:.0%} of its own closed-loop rate") for x in a.reads_own_curve
        ]
        for phase, where in curve:
            lighter = report.stats(self.rec.of(phase, "me"), self._span(phase))
            goals.append(
                _goal(
                    f"(info) GET /me p99 at {where} (open loop, "
                    f"{self.paced_rates.get(phase)} req/s offered, {lighter.get('ok_per_s')} ok/s)",
                    lighter.get("p99_ms"), 50, "< 50 ms", None, below=50,
                )
            )  # fmt: skip
        goals += self._hashing_goals(base["bcrypt"])
        for run in lag_result.values():
            for name, s in run["projections"].items():
                if "own" in name or run["offered_rate"] != self.args.lag_goal_rate:
                    continue
                goals.append(
                    _goal(
                        f"{run.get('event', 'UserRegistered')} → {name} p99 < 250 ms at "
                        f"{run['offered_rate']:.0f}/s "
                        f"(achieved {run['achieved_rate']}/s)",
                        s["p99_ms"],
                        250,
                        "< 250 ms",
                        None,
                        below=250,
                    )
                )
        processes = {p: sampler.summary(t0, t1) for p, (t0, t1) in self.phases.items()}
        machine_cpu = {
            p: sampler.machine_summary(t0, t1, processes[p]) for p, (t0, t1) in self.phases.items()
        }
        timeline = report.per_second(self.rec.samples, t_start)
        date = datetime.now(UTC).strftime("%Y-%m-%d")
        out = Path(a.out)
        out.mkdir(parents=True, exist_ok=True)
        if a.what_if_id_lookups:  # kept beside the real run's files, never over them
            date += "-what-if-id-lookups"
        chart = out / f"{date}.png"
        report.chart(timeline, self._lag_values, chart, f"Kabinet bench {date}")
        return {
            "date": date,
            "started_at": datetime.fromtimestamp(t_start, UTC).isoformat(timespec="seconds"),
            "took_s": round(time.time() - t_start, 1),
            "machine": {
                "cores": os.cpu_count(),
                "loadavg_start": load_start,
                "loadavg_end": baselines.loadavg(),
            },
            "config": {
                "subscribers": a.subscribers,
                "api_workers": a.api_workers,
                "threads": API_THREADS,
                "bcrypt_rounds": a.bcrypt_rounds,
                "servers": (
                    "private Kafka + FerretDB of this run" if self.private else "the machine's shared ones"
                ),
                "seconds_per_phase": a.seconds,
                "read_driver": a.driver,
                "client_threads": {
                    "journey": a.journey_threads,
                    "login": a.login_threads,
                    "reads": a.read_threads,
                    "registration": a.login_threads,
                    "login_timing": a.timing_threads,
                    "me_under_login": {
                        "login": a.login_threads,
                        "me_readers": a.busy_readers,
                        "me_think_s": a.busy_think,
                    },
                },
                "login_timing_seconds": a.timing_seconds,
            },
            "goals": goals,
            "baselines": base,
            "requests": rows,
            "projection_lag": lag_result,
            "processes": processes,
            "machine_cpu": machine_cpu,
            "timeline": timeline,
            "profile": profile,
            "others": others_result,
            "notes": self.notes,
            "chart": chart.name,
        }

    def _hashing_goals(self, bcrypt: dict[str, Any]) -> list[dict[str, Any]]:
        """Registration vs the bcrypt bound, unknown vs known failed logins, /me beside logins."""
        reg = report.stats(self.rec.of("registration", "register"), self._span("registration"))
        unknown = gateway_load.reply_times(self.rec, "login_timing", "login_unknown")
        known = gateway_load.reply_times(self.rec, "login_timing", "login_known")
        other = [s.status for s in self.rec.of("login_timing") if s.status != 401]
        if other:
            self.notes.append(f"login_timing: {len(other)} replies other than 401: {sorted(set(other))}")
        busy = self._span("me_under_login")
        me = report.stats(self.rec.of("me_under_login", "me"))
        logins = report.stats(self.rec.of("me_under_login", "login"), busy)
        beside = (
            f"p50 {me.get('p50_ms')} ms; logins alongside {logins.get('ok_per_s')} ok/s "
            f"= {report.ratio(logins.get('ok_per_s'), bcrypt['bound_per_s'])} of the bound"
        )
        within = (0.9, 1.1)
        return [
            _goal(
                "registration ok/s ≥ 85% of the bcrypt bound",
                reg.get("ok_per_s"), bcrypt["bound_per_s"], ">= 0.85", 0.85,
            ),
            _goal(
                "(info) registration ok/s vs bcrypt measured in parallel on this machine now",
                reg.get("ok_per_s"), bcrypt["measured_parallel_per_s"], ">= 0.85", 0.85,
            ),
            _goal(
                f"failed login p50 ms, unknown / known login ({unknown['n']} / {known['n']} replies)",
                unknown["p50_ms"], known["p50_ms"], "0.9–1.1", None, within=within,
            ),
            _goal(
                "failed login p95 ms, unknown / known login",
                unknown["p95_ms"], known["p95_ms"], "0.9–1.1", None, within=within,
            ),
            _goal(
                f"GET /me p99 < 50 ms while logins saturate the CPU ({beside})",
                me.get("p99_ms"), 50, "< 50 ms", None, below=50,
            ),
        ]  # fmt: skip

    def _span(self, phase: str) -> float | None:
        if phase not in self.phases:
            return None
        t0, t1 = self.phases[phase]
        return t1 - t0


def _goal(
    goal: str,
    measured: float | None,
    baseline: float | None,
    target: str,
    min_ratio: float | None,
    *,
    below: float | None = None,
    within: tuple[float, float] | None = None,
) -> dict[str, Any]:
    r = report.ratio(measured, baseline)
    if below is not None:
        met = measured is not None and measured < below
    elif within is not None:
        met = r is not None and within[0] <= r <= within[1]
    else:
        met = r is not None and min_ratio is not None and r >= min_ratio
    return {
        "goal": goal,
        "measured": measured,
        "baseline": baseline,
        "ratio": r,
        "target": target,
        "met": met,
    }


def _mongo(uri: str) -> Any:
    from kabinet.mongo import connect

    return connect(uri, app_name="bench-cleanup")


def _only_lag(bench: Bench) -> int:
    try:
        lags = bench.lag_only()
    finally:
        if bench.private:
            bench.private.stop()
    print(json.dumps(lags, indent=1, ensure_ascii=False), flush=True)
    print("\n".join(report.lag_tables(lags) + [f"- {n}" for n in bench.notes]), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run_bench.py")
    parser.add_argument("--subscribers", type=int, default=60)
    parser.add_argument("--reads", type=int, default=5, help="/me + /services pairs per journey")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each closed-loop phase")
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument(
        "--bcrypt-rounds", type=int, default=int(os.environ.get("IDENTITY_BCRYPT_ROUNDS", 12))
    )
    parser.add_argument("--journey-threads", type=int, default=8)
    parser.add_argument("--login-threads", type=int, default=8)
    parser.add_argument("--read-threads", type=int, default=16)
    parser.add_argument(
        "--reads-share", type=float, default=0.5, help="paced /me rate as a share of the bare-Flask rate"
    )
    parser.add_argument(
        "--reads-curve",
        type=lambda v: [float(x) for x in v.split(",") if x],
        default=[],
        help="lighter paced /me shares of the bare-Flask rate, each for half a phase (info)",
    )
    parser.add_argument(
        "--reads-own-curve",
        type=lambda v: [float(x) for x in v.split(",") if x],
        default=[0.25, 0.5, 0.75],
        help="paced /me shares of its own closed-loop rate, each for half a phase (info: where "
        "the p99 goal holds)",
    )
    parser.add_argument(
        "--driver",
        choices=("vegeta", "python"),
        default="vegeta",
        help="who sends the bare-Flask and read phases (logins and registrations: always Python)",
    )
    parser.add_argument(
        "--timing-threads", type=int, default=1, help="clients of the failed-login timing phase"
    )
    parser.add_argument("--timing-seconds", type=float, default=30.0)
    parser.add_argument(
        "--busy-readers", type=int, default=4, help="paced /me readers beside the login hammer"
    )
    parser.add_argument(
        "--busy-think", type=float, default=0.05, help="seconds between one reader's requests"
    )
    parser.add_argument(
        "--lag-rates", type=lambda v: [float(x) for x in v.split(",")], default=[20.0, 50.0, 200.0]
    )
    parser.add_argument(
        "--feed-lag-rates", type=lambda v: [float(x) for x in v.split(",") if x], default=[200.0]
    )
    parser.add_argument("--lag-goal-rate", type=float, default=200.0)
    parser.add_argument("--lag-settle", type=float, default=60.0, help="seconds to wait for stragglers")
    parser.add_argument("--lag-seconds", type=float, default=15.0)
    parser.add_argument("--raw-count", type=int, default=20000)
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument(
        "--no-others", dest="others", action="store_false", help="skip tests/bench/bench_*.py"
    )
    parser.add_argument("--others-timeout", type=float, default=3600.0)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (not for the record)")
    parser.add_argument(
        "--only-lag", action="store_true", help="only the projection-lag phase; printed, no results files"
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument(
        "--shared-servers",
        dest="private_servers",
        action="store_false",
        help="use the machine's shared Kafka/Mongo (default: a private pair, started and removed by the run)",
    )
    parser.add_argument(
        "--what-if-id-lookups",
        action="store_true",
        help="experiment: run the suite with the backbone's queries patched into {_id} lookups",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.subscribers, args.seconds, args.lag_seconds, args.raw_count = 10, 5.0, 5.0, 5000
        args.timing_seconds = 8.0
        args.out = str(ROOT / ".run" / "bench-quick")
    if args.what_if_id_lookups:
        args.others = False
    bench = Bench(args)
    if args.only_lag:
        return _only_lag(bench)
    try:
        result = bench.run()
    finally:
        if bench.private:
            bench.private.stop()
    out = Path(args.out)
    (out / f"{result['date']}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str))
    (out / f"{result['date']}.md").write_text(report.markdown(result))
    print(report.markdown(result).split("## Baselines")[0], flush=True)
    print(f"[bench] wrote {out / result['date']}.json, .md, .png", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
