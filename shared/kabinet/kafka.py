"""Kafka clients with Kabinet's safe settings, and topic administration."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from kabinet import kafka_cluster
from kabinet.contracts.topics import dlq

log = logging.getLogger(__name__)


# kafka-python's own client metrics (sensors recorded on every request and record) are read by
# nothing here — Prometheus metrics are the services' own — and cost a consumer ~7 % of its CPU
NO_CLIENT_METRICS = {"metrics_enabled": False}


def producer(bootstrap: str, *, client_id: str) -> KafkaProducer:
    """An idempotent producer that waits for all in-sync replicas.

    One request in flight per broker (kafka-python 2 allows no more with idempotence): order
    holds through retries; batches still gather for `linger_ms` while one is in flight.
    """
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_in_flight_requests_per_connection=1,
        request_timeout_ms=15000,
        delivery_timeout_ms=60000,
        **NO_CLIENT_METRICS,
    )


def consumer(bootstrap: str, *, group_id: str, topics: Iterable[str], client_id: str) -> KafkaConsumer:
    """A group consumer that commits by hand and starts from the earliest offset.

    Its fetches wait up to 2 s at the broker for records (a record answers a waiting fetch at
    once, so no latency is added): an idle consumer asks four times less often than with the
    default 0.5 s (measured on an idle suite: its consume processes 4.8 → 3.5 % of a core, the
    broker 4.6–6.6 → 3.9 %). The price: partitions newly assigned by a rebalance wait for the
    fetch in flight to end (≤ 2 s).
    """
    c = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=200,
        fetch_max_wait_ms=2000,
        session_timeout_ms=10000,
        heartbeat_interval_ms=3000,
        **NO_CLIENT_METRICS,
    )
    c.subscribe(list(topics))
    return c


class FetchPacer:
    """Fetch batching that follows the traffic: a consumer's "linger", as a producer has one.

    Idle, a consumer's fetch waits at the broker for its first byte (`fetch_min_bytes` 1, up to
    `fetch_max_wait_ms`): one record answers it at once. Under a heavy stream that means one
    fetch per record for every group — measured with four groups at 200 records/s, 0.54 ms of
    kafka-python 2.3 CPU per record and group, plus an offset commit per record. So while the
    group's records come fast enough that one linger would gather `GATHER` of them (150/s for
    20 ms, read over the last second), its fetches ask for 64 KiB or `linger_ms`, whichever comes
    first (0.23 ms per record and group at 200/s with 20 ms; 2.5× fewer polls and commits), each
    record waiting at most `linger_ms` more. Slower streams, where a linger would mostly hold a
    record for nothing (the notify chain at 50 registrations/s), keep fetching the first record
    at once; below half that rate lingering stops.

    kafka-python reads both settings from its fetcher's config when it builds each fetch request
    (no public setter); a consumer without one (a test double), or `linger_ms` 0, is left as is.
    """

    BUSY_MIN_BYTES = 64 * 1024
    GATHER = 3  # records a linger must be expected to gather
    WINDOW = 1.0  # seconds of polls the rate is read over

    def __init__(self, consumer: object, linger_ms: int) -> None:
        fetcher = getattr(consumer, "_fetcher", None)
        config = getattr(fetcher, "config", None)
        self._config: dict[str, object] | None = None
        self._idle: tuple[object, object] = (1, 0)
        if linger_ms > 0 and isinstance(config, dict):
            self._config = config
            self._idle = (config["fetch_min_bytes"], config["fetch_max_wait_ms"])
        self._linger = linger_ms
        self._polls: deque[tuple[float, int]] = deque()  # (monotonic time, records) within WINDOW
        self._in_window = 0  # their records
        self.lingering = False

    def timeout(self, timeout_ms: int) -> int:
        """How long the next poll may wait: while lingering, a few lingers."""
        return min(timeout_ms, 3 * self._linger) if self.lingering else timeout_ms

    def polled(self, records: int, now: float) -> None:
        """Note how many records a poll brought at monotonic `now`; switch the fetches to match."""
        if self._config is None:
            return
        polls = self._polls
        polls.append((now, records))
        self._in_window += records
        while polls[0][0] < now - self.WINDOW:
            self._in_window -= polls.popleft()[1]
        per_linger = self._in_window / self.WINDOW * self._linger / 1000
        busy = per_linger >= (self.GATHER / 2 if self.lingering else self.GATHER)
        if busy != self.lingering:
            self.lingering = busy
            min_bytes, wait = (self.BUSY_MIN_BYTES, self._linger) if busy else self._idle
            self._config["fetch_min_bytes"], self._config["fetch_max_wait_ms"] = min_bytes, wait


class _Admin(KafkaAdminClient):  # type: ignore[misc]
    """kafka-python's admin client, minus a leak (a failed start closes the client it opened) and
    a stall (its start waits up to 30 s for the metadata to name a controller; this one no
    longer than a request)."""

    def __init__(self, **configs: object) -> None:
        try:
            super().__init__(**configs)
        except BaseException:
            client = getattr(self, "_client", None)
            if client is not None:  # connected, then failed (no controller yet, say)
                client.close()
            raise

    def _refresh_controller_id(self, timeout_ms: int = 30000) -> None:
        super()._refresh_controller_id(timeout_ms=min(timeout_ms, self.config["request_timeout_ms"]))


def admin(
    bootstrap: str, *, client_id: str, timeout_ms: int, request_timeout_ms: int | None = None
) -> KafkaAdminClient:
    """An admin client whose bootstrap (the broker version probe) gives up after `timeout_ms`,
    and its requests after `request_timeout_ms` (the same by default)."""
    return _Admin(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        request_timeout_ms=request_timeout_ms or timeout_ms,
        api_version_auto_timeout_ms=timeout_ms,
    )


class _FromThread(logging.Filter):
    def __init__(self, thread: str) -> None:
        super().__init__()
        self._thread = thread

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != self._thread or logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def quiet_client_logs(thread: str) -> None:
    """Drop kafka-python's own log records made on thread `thread` (where a client does its IO),
    unless the `kafka` loggers are at DEBUG: a probe that reports its verdict itself need not
    log every refused connection, every second, through an outage."""
    quiet = _FromThread(thread)
    for name in list(logging.root.manager.loggerDict):
        if (name == "kafka" or name.startswith("kafka.")) and (name, thread) not in _QUIETED:
            logging.getLogger(name).addFilter(quiet)
            _QUIETED.add((name, thread))


_QUIETED: set[tuple[str, str]] = set()


def ensure_topics(
    bootstrap: str, topics: Iterable[str], *, partitions: int, replication: int, with_dlq: bool = True
) -> list[str]:
    """Create missing topics (and their dead-letter topics); return the ones created."""
    names = sorted({t for topic in topics for t in ((topic, dlq(topic)) if with_dlq else (topic,))})
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kabinet-admin")
    try:
        existing = set(admin.list_topics())
        missing = [n for n in names if n not in existing]
        created = []
        for name in missing:
            try:
                admin.create_topics(
                    [NewTopic(name, num_partitions=partitions, replication_factor=replication)]
                )
                created.append(name)
            except TopicAlreadyExistsError:
                pass
        return created
    finally:
        admin.close()


class KafkaProbe:
    """Readiness check: a metadata request over one reused admin connection."""

    def __init__(self, bootstrap: str) -> None:
        self._bootstrap = bootstrap
        self._admin: KafkaAdminClient | None = None

    def __call__(self) -> None:
        """Raise unless a broker answers."""
        try:
            if self._admin is None:
                self._admin = admin(self._bootstrap, client_id="kabinet-ready", timeout_ms=3000)
            kafka_cluster.cluster(self._admin)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        """Drop the connection."""
        if self._admin is not None:
            self._admin.close()
            self._admin = None
