"""A Kafka health monitor per API process: can the service's topics take events right now?

A daemon thread asks the cluster every `interval` seconds (short timeouts, one reused admin
connection) for the topics' partitions and the brokers, checks that each broker accepts a
connection (the metadata of a cluster that lost its controller quorum still lists dead
brokers as leaders and in-sync replicas), and keeps the latest `Verdict`; request threads
only read it. A verdict older
than `max_age` counts as not writable, so a stuck check never leaves the gate open. The
thread holds the monitor weakly: when its app is gone, the thread ends and closes its client.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import weakref
from collections.abc import Callable, Sequence

from kafka.admin import KafkaAdminClient

from kabinet import kafka as kafka_clients
from kabinet import kafka_cluster
from kabinet.broker_verdict import TopicState, Verdict, judge
from kabinet.web import CheckFailed

log = logging.getLogger(__name__)
MIN_ISR = "min.insync.replicas"
CLIENT_ID = "kabinet-health"
THREAD = "kafka-health"  # the checks run on it: kafka-python 2 does its IO on the calling thread
NEVER = float("-inf")


class NotWritable(CheckFailed):
    """Kafka cannot take the service's events now; the message says why."""


class MetadataProbe:
    """One check of the topics over a reused admin client (rebuilt after any failure)."""

    def __init__(self, bootstrap: str, topics: Sequence[str], *, replication: int, timeout_ms: int) -> None:
        self._bootstrap = bootstrap
        self._topics = list(topics)
        self._replication = replication
        self._timeout_ms = timeout_ms
        self._admin: KafkaAdminClient | None = None
        self._min_isr: dict[str, int] = {}  # read once per topic

    def check(self, clock: Callable[[], float]) -> Verdict:
        """The verdict of one metadata round trip, stamped when it ends.

        A failure over a reused connection is retried once over a fresh one (its broker may
        be the one that went away while others still serve).
        """
        while True:
            reused = self._admin is not None
            try:
                states, live = self._read()
            except Exception as exc:  # unreachable, timed out, a broker gone mid-request
                self.close()
                if reused:
                    continue
                return Verdict(False, f"Kafka unreachable ({type(exc).__name__})", clock())
            return judge(states, self._min_isr, live=live, replication=self._replication, checked_at=clock())

    def _read(self) -> tuple[list[TopicState], frozenset[int]]:
        admin = self._connect()
        states, cluster = kafka_cluster.topics_and_cluster(admin, self._topics)
        self._read_min_isr(admin, [t.name for t in states if not t.missing and t.name not in self._min_isr])
        brokers = cluster.brokers
        timeout = self._timeout_ms / 1000 / max(1, len(brokers))
        live = {b.id for b in brokers if _answers(b, timeout)}
        return states, frozenset(live)

    def _connect(self) -> KafkaAdminClient:
        if self._admin is None:
            self._admin = kafka_clients.admin(
                self._bootstrap, client_id=CLIENT_ID, timeout_ms=self._timeout_ms
            )
        return self._admin

    def _read_min_isr(self, admin: KafkaAdminClient, names: list[str]) -> None:
        if not names:
            return
        for name, value in kafka_cluster.topic_config(admin, names, MIN_ISR).items():
            self._min_isr[name] = int(value) if value else 1

    def close(self) -> None:
        """Drop the connection."""
        if self._admin is not None:
            try:
                self._admin.close()
            except Exception:  # closing a half-open client must not stop the monitor
                log.debug("closing the health admin client failed", exc_info=True)
            self._admin = None


def _answers(broker: kafka_cluster.Broker, timeout: float) -> bool:
    """Whether the broker accepts a TCP connection within `timeout` seconds."""
    try:
        with socket.create_connection((broker.host, broker.port), timeout=timeout):
            return True
    except OSError:
        return False


class BrokerHealth:
    """The latest verdict on the service's topics, kept fresh by a background thread."""

    def __init__(
        self,
        *,
        interval: float = 1.0,
        max_age: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.max_age = max_age
        self._clock = clock
        self._latest = Verdict(False, "Kafka not checked yet", NEVER)
        self._checked = threading.Event()
        self._stop = threading.Event()

    @classmethod
    def watch(
        cls,
        bootstrap: str,
        topics: Sequence[str],
        *,
        replication: int,
        interval: float = 1.0,
        max_age: float = 5.0,
        first_wait: float = 3.0,
    ) -> BrokerHealth:
        """Start monitoring `topics`, waiting up to `first_wait` s for the first verdict."""
        timeout_ms = int(max(500.0, min(2000.0, max_age * 1000 / 4)))
        probe = MetadataProbe(bootstrap, topics, replication=replication, timeout_ms=timeout_ms)
        kafka_clients.quiet_client_logs(THREAD)
        return cls(interval=interval, max_age=max_age).start(probe, first_wait=first_wait)

    def start(self, probe: MetadataProbe, *, first_wait: float = 0.0) -> BrokerHealth:
        """Run the checks of `probe` in a daemon thread (which owns the probe from now on)."""
        args = (weakref.ref(self), probe, self._stop, self.interval)
        threading.Thread(target=_watch, args=args, name=THREAD, daemon=True).start()
        self._checked.wait(first_wait)
        return self

    def verdict(self) -> Verdict:
        """The latest verdict; a stale one is not writable. Never blocks."""
        latest = self._latest
        age = self._clock() - latest.checked_at
        if age <= self.max_age or latest.checked_at == NEVER:
            return latest
        return Verdict(
            False, f"no fresh Kafka check (the last, {age:.1f} s ago: {latest.reason})", latest.checked_at
        )

    def require_writable(self) -> None:
        """Readiness check: raise `NotWritable` with the reason unless writable."""
        verdict = self.verdict()
        if not verdict.writable:
            raise NotWritable(verdict.reason)

    def record(self, verdict: Verdict) -> None:
        """Keep a new verdict (logged when writability changes)."""
        previous, self._latest = self._latest, verdict
        self._checked.set()
        if verdict.writable != previous.writable or previous.checked_at == NEVER:
            if verdict.writable:
                log.info("Kafka writable: commands accepted", extra={"reason": verdict.reason})
            else:
                log.warning("Kafka not writable: commands refused", extra={"reason": verdict.reason})

    def now(self) -> float:
        """The monitor's clock."""
        return self._clock()

    def close(self) -> None:
        """Stop the thread (it closes its client)."""
        self._stop.set()


def _watch(
    ref: weakref.ReferenceType[BrokerHealth], probe: MetadataProbe, stop: threading.Event, interval: float
) -> None:
    try:
        while True:
            monitor = ref()
            if monitor is None or stop.is_set():
                return
            monitor.record(probe.check(monitor.now))
            del monitor  # the thread must not keep its app alive between checks
            if stop.wait(interval):
                return
    except Exception:  # a bug here must not take the process down; the verdict goes stale
        log.exception("Kafka health monitor stopped")
    finally:
        probe.close()
