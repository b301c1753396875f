"""Heavy fault tests (`make chaos` only): a private 3-broker Kafka and Mongo server of their own.

- the partition leader SIGKILLed five times during a registration load: 0 acknowledged commands
  lost, 0 duplicate effects, writes resume within 30 s (a refusal while a leader moves is a
  clean 503, never another 5xx);
- 2 of 3 brokers down (replication 3, min ISR 2: no write can be acknowledged by Kafka): every
  service's `/readyz` turns red with the reason, the gateway answers commands `503` +
  `Retry-After` and appends nothing to its outbox, reads keep working; when the brokers return,
  readiness is green again and commands are accepted and published;
- the Mongo server really stopped for 10 s under load: clean 503s, recovery, nothing lost;
- kill -9 of every service process under load: nothing lost, nothing duplicated.

The servers live in a private run directory (deploy/infra.py with KABINET_RUN_DIR:
`.run/chaos-trio`, or KABINET_CHAOS_RUN_DIR), so the shared servers of this machine are never
touched. Ports 19092/29092/39092 must be free.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from bench.suite import ROOT, Suite, free_port, infra_module
from chaos import checks
from chaos.load import CommandLoad
from chaos.people import signed_in, subscriber
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from support import wait_for

from kabinet import kafka_cluster
from kabinet.contracts import topics

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]
RUN_DIR = Path(os.environ.get("KABINET_CHAOS_RUN_DIR") or ROOT / ".run" / "chaos-trio")


@contextlib.contextmanager
def private_infra(mongo_port: int, pg_port: int) -> Iterator[Any]:
    """deploy/infra.py pointed at the private run directory (restored afterwards)."""
    saved = {k: os.environ.get(k) for k in ("KABINET_RUN_DIR", "MONGO_PORT", "KABINET_PG_PORT")}
    os.environ["KABINET_RUN_DIR"] = str(RUN_DIR)
    os.environ["MONGO_PORT"] = str(mongo_port)
    os.environ["KABINET_PG_PORT"] = str(pg_port)  # its default, MONGO_PORT + 10000, may pass 65535
    try:
        yield infra_module()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Trio:
    """The private servers: three Kafka brokers and a Mongo server."""

    def __init__(self) -> None:
        self.mongo_port, self.pg_port = free_port(), free_port()
        with private_infra(self.mongo_port, self.pg_port) as infra:
            ends = infra.ensure_started(3, timeout=180)
        self.bootstrap, self.mongo_uri = ends.kafka_bootstrap, ends.mongo_uri

    def stop_node(self, name: str, *, kill: bool) -> None:
        with private_infra(self.mongo_port, self.pg_port) as infra:
            infra.stop_node(name, kill=kill)

    def start_node(self, name: str) -> None:
        with private_infra(self.mongo_port, self.pg_port) as infra:
            infra.start_node(name, timeout=120)

    def broker(self, node_id: int) -> str:
        with private_infra(self.mongo_port, self.pg_port) as infra:
            return str(infra._kafka_name(node_id))

    def leaders(self, topic: str) -> dict[int, int]:
        """Partition → leader node id."""
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=10000)
        try:
            return kafka_cluster.leaders(admin, topic)
        finally:
            admin.close()

    def close(self) -> None:
        with private_infra(self.mongo_port, self.pg_port) as infra:
            infra.stop()
        shutil.rmtree(RUN_DIR, ignore_errors=True)


@pytest.fixture(scope="module")
def trio() -> Iterator[Trio]:
    servers = Trio()
    yield servers
    servers.close()


@pytest.fixture(scope="module")
def trio_suite(trio: Trio) -> Iterator[Suite]:
    suite = Suite.start(
        {"kafka": trio.bootstrap, "mongo": trio.mongo_uri},
        env={"KAFKA_REPLICATION_FACTOR": "3", "LOG_LEVEL": "WARNING"},
        name="trio",
    )
    yield suite
    from kabinet.mongo import connect

    client = connect(trio.mongo_uri, app_name="chaos-cleanup")
    suite.stop(drop=client)
    client.close()


class Arrivals:
    """Reads a topic from the start in the background: when each UserRegistered arrived."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.seen: list[tuple[float, datetime, str]] = []  # (arrived, occurred_at, stream)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(bootstrap, topic), daemon=True)
        self._thread.start()

    def _run(self, bootstrap: str, topic: str) -> None:
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        while not self._stop.is_set():
            for batch in consumer.poll(timeout_ms=200).values():
                now = time.time()
                for r in batch:
                    raw = json.loads(r.value)
                    if raw.get("event_type") == "UserRegistered":
                        occurred = datetime.fromisoformat(raw["occurred_at"].replace("Z", "+00:00"))
                        self.seen.append((now, occurred, raw["stream_id"]))
        consumer.close()

    def first_after(self, t: float) -> float | None:
        """Arrival time of the first event appended after wall time `t`."""
        later = [arrived for arrived, occurred, _ in self.seen if occurred.timestamp() > t]
        return min(later) if later else None

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


def assert_nothing_lost_or_duplicated(suite: Suite, accepted: dict[str, str], mongo_uri: str) -> None:
    """Every acknowledged registration: one UserRegistered (by event id), one challenge, one SMS.

    A notifier killed between claiming an SMS and recording its outcome does not know whether it
    left; the dev inbox drops a repeated `message_id` (NOTIFIER_SMS_GATEWAY_IDEMPOTENT), so the
    restarted notifier sends it again and the phone still holds exactly one: nothing `unknown`.
    """
    from kabinet.mongo import connect

    client = connect(mongo_uri, app_name="chaos-check")

    def settled() -> bool:
        sent, unknown = checks.inbox_counts(client, suite), checks.unknown_outcomes(client, suite)
        return all(sent[p] or p in unknown for p in accepted.values())

    try:
        wait_for(settled, timeout=400, every=3.0, what="an SMS code for every acknowledged registration")
        time.sleep(3)
        sent, unknown = checks.inbox_counts(client, suite), checks.unknown_outcomes(client, suite)
        assert {p: sent[p] for p in accepted.values() if sent[p] > 1} == {}
        assert [p for p in accepted.values() if sent[p] == 0] == []
        assert unknown == set(), f"notices left unknown by the kills: {len(unknown)}"
        records = checks.read_all(
            suite.env["KAFKA_BOOTSTRAP_SERVERS"], suite.topic(topics.ACCOUNTS), timeout=60
        )
        per_stream = checks.event_ids_per_stream(checks.envelopes(records), "UserRegistered")
        assert [a for a in accepted if len(per_stream.get(f"account-{a}", ())) != 1] == []
        challenges = client[suite.databases()["verification"]]["challenges"]
        opened = checks.counts(d["account_id"] for d in challenges.find({"purpose": "registration"}))
        assert {a: opened[a] for a in accepted if opened[a] != 1} == {}
    finally:
        client.close()


def test_leader_killed_five_times_under_load_loses_and_duplicates_nothing(trio, trio_suite):
    suite = trio_suite
    topic = suite.topic(topics.ACCOUNTS)
    arrivals = Arrivals(trio.bootstrap, topic)
    load = CommandLoad(suite.gateway, threads=3, rate=3.0).start()
    resumed: list[float] = []
    try:
        for _ in range(5):
            time.sleep(5)
            leader = trio.leaders(topic)[0]
            name = trio.broker(leader)
            killed_at = time.time()
            trio.stop_node(name, kill=True)
            got = wait_for(lambda t=killed_at: arrivals.first_after(t), timeout=60, every=0.2, what="writes")
            resumed.append(got - killed_at)
            trio.start_node(name)
        time.sleep(3)
    finally:
        load.stop()
        arrivals.stop()
    accepted = {a["account_id"]: a["phone"] for a in load.accepted}
    print(f"acknowledged {len(accepted)}, writes resumed after {[round(r, 1) for r in resumed]} s")
    refused = [o for o in load.outcomes if o.status == 503]
    print(f"503 while a leader moved: {len(refused)} of {len(load.outcomes)} requests")
    assert len(accepted) >= 50
    assert [o for o in load.outcomes if o.status >= 500 and o.status != 503] == []
    assert {o.content_type for o in refused} <= {"application/problem+json"}
    assert max(resumed) < 30
    assert_nothing_lost_or_duplicated(suite, accepted, trio.mongo_uri)


def readiness(suite: Suite, status: int) -> dict[str, str] | None:
    """Each service's Kafka check on `/readyz` once every one answers `status`, else None."""
    checks = {}
    for name in ("identity", "verification", "billing_link", "notifier"):
        r = requests.get(f"http://127.0.0.1:{getattr(suite.ports, name)}/readyz", timeout=15)
        if r.status_code != status:
            return None
        checks[name] = r.json()["checks"]["kafka"]
    return checks


def test_two_brokers_down_the_api_refuses_commands_appends_nothing_and_recovers(trio, trio_suite):
    from kabinet.mongo import connect

    suite = trio_suite
    _, _, auth = signed_in(suite, wait_for)
    client = connect(trio.mongo_uri, app_name="chaos-check")
    outbox = client[suite.databases()["identity"]]["events"]
    leaders = trio.leaders(suite.topic(topics.ACCOUNTS))
    down = sorted({trio.broker(n) for n in (1, 2, 3)} - {trio.broker(leaders[0])})
    t0 = time.monotonic()
    for name in down:
        trio.stop_node(name, kill=True)
    try:
        red = wait_for(lambda: readiness(suite, 503), timeout=30, every=0.5, what="every /readyz red")
        print(f"2 of 3 brokers down: /readyz red after {time.monotonic() - t0:.1f} s: {red}")
        registered = {"event_type": "UserRegistered"}  # consumers may still append other events
        stored = outbox.count_documents(registered)
        load = CommandLoad(suite.gateway, threads=2, rate=2.0, reads=auth).start()
        time.sleep(6)
        load.stop()
        registrations, reads = load.of("register"), load.of("me")
        assert registrations and {o.status for o in registrations} == {503}
        assert {o.content_type for o in registrations} == {"application/problem+json"}
        assert load.accepted == []
        assert outbox.count_documents(registered) == stored  # nothing acknowledged, nothing in the outbox
        assert reads and {o.status for o in reads} == {200}  # reads from the projection
        refused = requests.post(f"{suite.gateway}/api/v1/registrations", json=subscriber(), timeout=15)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    finally:
        for name in down:
            trio.start_node(name)
        client.close()
    t1 = time.monotonic()
    wait_for(lambda: readiness(suite, 200), timeout=60, every=0.5, what="every /readyz green again")
    print(f"brokers back: /readyz green after {time.monotonic() - t1:.1f} s")
    load = CommandLoad(suite.gateway, threads=2, rate=2.0).start()
    time.sleep(4)
    load.stop()
    accepted = {a["account_id"]: a["phone"] for a in load.accepted}
    assert accepted and {o.status for o in load.outcomes} == {201}
    assert_nothing_lost_or_duplicated(suite, accepted, trio.mongo_uri)


def test_the_mongo_server_stopped_for_ten_seconds_is_a_clean_503_then_recovery(trio, trio_suite):
    suite = trio_suite
    _, _, auth = signed_in(suite, wait_for)
    load = CommandLoad(suite.gateway, threads=3, rate=2.0, reads=auth).start()
    try:
        time.sleep(2)
        trio.stop_node("mongo", kill=False)
        time.sleep(10)
        trio.start_node("mongo")
        wait_for(
            lambda: requests.get(f"{suite.gateway}/readyz", timeout=15).status_code == 200,
            timeout=60,
            every=0.5,
            what="readiness after the restart",
        )
        time.sleep(5)
    finally:
        load.stop()
    outcomes = load.outcomes
    assert [o for o in outcomes if o.status == 500] == []
    refused = [o for o in outcomes if o.status == 503]
    assert refused and {o.content_type for o in refused} == {"application/problem+json"}
    assert [o for o in outcomes if o.status == 0] == []
    assert {o.status for o in outcomes} <= {200, 201, 503}
    accepted = {a["account_id"]: a["phone"] for a in load.accepted}
    assert_nothing_lost_or_duplicated(suite, accepted, trio.mongo_uri)


def test_kill_9_of_every_process_under_load_loses_and_duplicates_nothing(trio, trio_suite):
    suite = trio_suite
    victims = [n for n in suite.commands if n != "devsink"]  # the dev inbox plays the SMS gateway
    load = CommandLoad(suite.gateway, threads=3, rate=3.0).start()
    try:
        for name in victims:
            time.sleep(2.5)
            if name.endswith("-api") and name != "identity-api":
                suite.kill_worker(name)
            else:
                suite.wait_restarted(name, suite.kill(name, signal.SIGKILL))
        time.sleep(5)
    finally:
        load.stop()
    suite.wait_ready(timeout=120)
    accepted = {a["account_id"]: a["phone"] for a in load.accepted}
    assert len(accepted) >= 30
    assert_nothing_lost_or_duplicated(suite, accepted, trio.mongo_uri)
