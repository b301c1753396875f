"""Fetch-pacing benchmark: what lingering fetches (`kabinet.kafka.FetchPacer`) save, and cost.

    .venv/bin/python -m tests.bench.bench_fetch_pacer --seconds 10

Four consumer groups read one fresh topic while records are produced at a steady rate, each
group polling and committing after every batch as the consumer loop does. For each rate
(200/s and 50/s by default) it runs without lingering (the baseline, `linger_ms` 0) and with
the service default, and reports per record and group: the consumers' CPU (this process's,
less a producer-only run at the same rate measured in the same run), the broker's CPU per
record when it runs on this machine, polls with records, and the delivery delay (poll time −
record timestamp) p50/p99. Writes bench/results/fetch-pacer-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[2]

from kabinet import kafka as kafka_clients  # noqa: E402
from kabinet.settings import InfraSettings  # noqa: E402

GROUPS = 4
VALUE = b"x" * 600  # about an envelope's size


def broker_process(bootstrap: str) -> psutil.Process | None:
    """The local Kafka broker listening on the bootstrap port, if it runs here."""
    port = int(bootstrap.split(",")[0].rsplit(":", 1)[1])
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] != "java":
            continue
        try:
            if any(c.laddr.port == port and c.status == psutil.CONN_LISTEN for c in proc.net_connections()):
                return proc
        except psutil.Error:
            continue
    return None


def cpu_seconds(proc: psutil.Process | None) -> float:
    if proc is None:
        return 0.0
    times = proc.cpu_times()
    return float(times.user + times.system)


def produce(producer: Any, topic: str, rate: float, seconds: float) -> int:
    """Records at `rate`/s for `seconds`, keys spread over partitions; how many."""
    total = int(rate * seconds)
    t0 = time.monotonic()
    for i in range(total):
        producer.send(topic, key=str(i).encode(), value=VALUE)
        pause = t0 + (i + 1) / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    producer.flush(30)
    return total


def run(bootstrap: str, topic: str, producer: Any, broker: psutil.Process | None, *,
        rate: float, seconds: float, linger_ms: int | None) -> dict[str, Any]:  # fmt: skip
    """One measurement: `linger_ms` None runs the producer alone."""
    consumers = [
        kafka_clients.consumer(
            bootstrap, group_id=f"pacer-{uuid.uuid4().hex[:8]}", topics=[topic], client_id="b"
        )
        for _ in range(GROUPS if linger_ms is not None else 0)
    ]
    stop, lock = threading.Event(), threading.Lock()
    delays: list[float] = []
    polls = [0]

    def loop(consumer: Any) -> None:
        pacer = kafka_clients.FetchPacer(consumer, linger_ms or 0)
        while not stop.is_set():
            batches = consumer.poll(timeout_ms=pacer.timeout(500))
            now = time.time()
            n = sum(len(records) for records in batches.values())
            pacer.polled(n, time.monotonic())
            if n:
                consumer.commit()
                with lock:
                    polls[0] += 1
                    delays.extend(now - r.timestamp / 1000 for rs in batches.values() for r in rs)

    threads = [threading.Thread(target=loop, args=(c,), daemon=True) for c in consumers]
    for t in threads:
        t.start()
    time.sleep(8 if consumers else 1)  # joined, assigned, caught up with the topic's end
    with lock:
        delays.clear()
        polls[0] = 0
    me = psutil.Process()
    mine, theirs = cpu_seconds(me), cpu_seconds(broker)
    total = produce(producer, topic, rate, seconds)
    time.sleep(1.5)  # the last records reach every group
    mine, theirs = cpu_seconds(me) - mine, cpu_seconds(broker) - theirs
    stop.set()
    for t in threads:
        t.join(5)
    for c in consumers:
        c.close(autocommit=False)
    delays.sort()
    n = len(delays)
    return {
        "records": total,
        "record_groups": n,
        "polls_with_records": polls[0],
        "cpu_ms": 1000 * mine,
        "broker_cpu_ms_per_record": round(1000 * theirs / total, 3) if broker else None,
        "delay_p50_ms": round(1000 * delays[n // 2], 1) if n else None,
        "delay_p99_ms": round(1000 * delays[min(n - 1, int(n * 0.99))], 1) if n else None,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--rates", type=lambda v: [float(x) for x in v.split(",")], default=[200.0, 50.0])
    p.add_argument("--linger-ms", type=int, default=InfraSettings.fetch_linger_ms)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = p.parse_args(argv)
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    topic = f"bench{uuid.uuid4().hex[:8]}.pacer"
    kafka_clients.ensure_topics(bootstrap, [topic], partitions=3, replication=1, with_dlq=False)
    producer = kafka_clients.producer(bootstrap, client_id="bench-pacer")
    broker = broker_process(bootstrap)
    rates: dict[str, Any] = {}
    try:
        for rate in args.rates:
            alone = run(bootstrap, topic, producer, broker, rate=rate, seconds=args.seconds, linger_ms=None)
            by_linger = {}
            for linger in (0, args.linger_ms):
                r = run(bootstrap, topic, producer, broker, rate=rate, seconds=args.seconds, linger_ms=linger)
                r["consumer_cpu_ms_per_record_group"] = round(
                    (r.pop("cpu_ms") - alone["cpu_ms"]) / max(1, r["record_groups"]), 3
                )
                by_linger[f"linger_{linger}ms"] = r
                print(f"{rate:.0f}/s linger {linger} ms: {json.dumps(r)}", file=sys.stderr, flush=True)
            base, paced = by_linger["linger_0ms"], by_linger[f"linger_{args.linger_ms}ms"]
            rates[f"{rate:.0f}/s"] = {
                **by_linger,
                "consumer_cpu_ratio": round(
                    paced["consumer_cpu_ms_per_record_group"] / base["consumer_cpu_ms_per_record_group"], 3
                ),
                "polls_ratio": round(paced["polls_with_records"] / max(1, base["polls_with_records"]), 3),
            }
    finally:
        producer.close(5)
    result = {
        "at": datetime.now(UTC).isoformat(),
        "groups": GROUPS,
        "seconds": args.seconds,
        "linger_ms": args.linger_ms,
        "rates": rates,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"fetch-pacer-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    print(f"written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
