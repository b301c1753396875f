"""Test helpers: polling waits and reading what landed on a topic."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from kafka import KafkaConsumer

T = TypeVar("T")


def wait_for(
    probe: Callable[[], T | None], *, timeout: float = 30.0, every: float = 0.05, what: str = ""
) -> T:
    """Poll `probe` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or probe}")
        time.sleep(every)


def read_topic(bootstrap: str, topic: str, *, expect: int, timeout: float = 30.0) -> list[Any]:
    """Every record of `topic` from the start, polling until at least `expect` arrived."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    records: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=300).values():
                records.extend(batch)
            if len(records) >= expect:
                # one more short poll so that extra (duplicate) records are seen too
                for batch in consumer.poll(timeout_ms=1000).values():
                    records.extend(batch)
                break
    finally:
        consumer.close()
    return records


def drive(loop: Any, until: Callable[[], object], *, timeout: float = 30.0, what: str = "") -> None:
    """Poll a consumer loop until `until()` holds (the loop's own thread, no sleeps)."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s driving the loop: {what}")
        loop.poll_once(timeout_ms=200)


@contextmanager
def billing_runtime(service_env: dict[str, str], *topics: str) -> Iterator[Any]:
    """billing-link's runtime in the test's namespace, with `topics` (contract names) created."""
    from billing_link.config import Settings
    from kabinet import kafka as kafka_clients
    from kabinet.runtime import Runtime

    rt = Runtime.open(Settings.from_env(service_env).infra)
    kafka_clients.ensure_topics(
        rt.infra.kafka_bootstrap, [rt.topic(t) for t in topics], partitions=3, replication=1
    )
    try:
        yield rt
    finally:
        rt.close()
