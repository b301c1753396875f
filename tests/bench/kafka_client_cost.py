"""What the installed kafka-python costs a consumer per record, for comparing client versions.

    .venv/bin/python tests/bench/kafka_client_cost.py                 # the pinned client (2.3.3)
    python -m venv /tmp/kp && /tmp/kp/bin/pip install "kafka-python[crc32c]==3.0.12" psutil
    /tmp/kp/bin/python tests/bench/kafka_client_cost.py               # another version, same broker

Four groups read a fresh topic (3 partitions) while 600-byte records are produced at each rate
for 10 s; each group polls and commits after every batch, as Kabinet's consumer loop does
(client metrics off, fetches waiting 2 s for their first byte, as `kabinet.kafka.consumer` sets
them). Prints this process's CPU per record and group (the producer's included: small beside
four groups) and the local broker's CPU per record. Plain kafka-python only — no Kabinet
imports — so it runs in any virtualenv. Not part of `make bench`: a tool for choosing a client.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

import psutil
from kafka import KafkaConsumer, KafkaProducer, __version__
from kafka.admin import KafkaAdminClient, NewTopic

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


def cpu(proc: psutil.Process | None) -> float:
    return sum(proc.cpu_times()[:2]) if proc else 0.0


def broker() -> psutil.Process | None:
    return next((p for p in psutil.process_iter(["name"]) if p.info["name"] == "java"), None)


def measure(topic: str, producer: KafkaProducer, rate: float, groups: int = 4, seconds: float = 10.0) -> str:
    consumers = [
        KafkaConsumer(
            bootstrap_servers=BOOTSTRAP,
            group_id=f"cost-{uuid.uuid4().hex[:8]}",
            enable_auto_commit=False,
            auto_offset_reset="latest",
            fetch_max_wait_ms=2000,
            max_poll_records=200,
            metrics_enabled=False,
        )
        for _ in range(groups)
    ]
    for c in consumers:
        c.subscribe([topic])
    stop, got = threading.Event(), [0]

    def loop(c: KafkaConsumer) -> None:
        while not stop.is_set():
            batches = c.poll(timeout_ms=500)
            got[0] += sum(len(r) for r in batches.values())
            if batches:
                c.commit()

    threads = [threading.Thread(target=loop, args=(c,)) for c in consumers]
    for t in threads:
        t.start()
    time.sleep(8)  # joined and assigned
    me, java, seen = psutil.Process(), broker(), got[0]
    mine, theirs = cpu(me), cpu(java)
    total, t0 = int(rate * seconds), time.monotonic()
    for i in range(total):
        producer.send(topic, key=str(i).encode(), value=b"x" * 600)
        time.sleep(max(0.0, t0 + (i + 1) / rate - time.monotonic()))
    producer.flush()
    time.sleep(1.5)
    mine, theirs = cpu(me) - mine, cpu(java) - theirs
    stop.set()
    for t in threads:
        t.join()
    for c in consumers:
        c.close()
    n = got[0] - seen
    return (
        f"kafka-python {__version__} at {rate:.0f}/s: {n} record-groups, client {1000 * mine / n:.3f} ms "
        f"per record and group, broker {1000 * theirs / total:.3f} ms per record"
    )


def main() -> None:
    topic = f"cost.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    admin.create_topics([NewTopic(topic, 3, 1)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, linger_ms=5, metrics_enabled=False)
    try:
        for rate in (20.0, 100.0):
            print(measure(topic, producer, rate), flush=True)
    finally:
        producer.close()


if __name__ == "__main__":
    main()
