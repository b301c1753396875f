"""Replay benchmark: the rebuild engine against raw kafka-python reads and raw pymongo bulk writes.

    .venv/bin/python tests/bench/bench_replay.py --events 20000

Produces N events over N/10 streams into a fresh topic namespace, then measures in one
run: (1) raw consumption of the N records (no decoding), (2) raw bulk writes of the same
projection updates (`bulk_write` of versioned upserts, `--bulk-size` per call), (3) the rebuild
engine replaying the N events into one projection (decode, handler, `apply_versioned`).
Writes events/s, ratios and memory to bench/results/replay-<time>.json: the process's resident
set size sampled every half second through each phase (start, highest, end), so "memory stays
flat" reads as the replay phase's highest RSS against its start.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer
from pymongo import UpdateOne

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from ops_support import COLLECTION, counting_service, event  # noqa: E402

from kabinet import kafka as kafka_clients  # noqa: E402
from kabinet.contracts import encode  # noqa: E402
from kabinet.contracts.topics import ACCOUNTS  # noqa: E402
from kabinet.mongo import connect  # noqa: E402
from kabinet.ops import rebuild  # noqa: E402
from kabinet.ops.kafkaread import partitions  # noqa: E402


def _update(version: int) -> dict[str, Any]:
    return {"$inc": {"events": 1}, "$set": {"last_type": "PasswordChanged", "_version": version}}


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """Resident set size of this process now."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class RssWatch:
    """Samples this process's RSS every `every` s while a phase runs: start, highest, end."""

    def __init__(self, every: float = 0.5) -> None:
        self._every, self._stop = every, threading.Event()
        self.start_mb = self.max_mb = rss_mb()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.max_mb = max(self.max_mb, rss_mb())

    def done(self) -> dict[str, float]:
        """Stop sampling; the phase's figures."""
        self._stop.set()
        self._thread.join()
        end = rss_mb()
        return {
            "start": round(self.start_mb, 1),
            "max": round(max(self.max_mb, end), 1),
            "end": round(end, 1),
        }


def event_at(i: int, streams: int) -> tuple[str, int]:
    """The stream and version of the i-th event: streams take turns, each counting 1, 2, …"""
    return f"account-bench-{i % streams}", i // streams + 1


def produce(bootstrap: str, topic: str, n: int, streams: int) -> None:
    """N events over `streams` streams, as `event_at` numbers them."""
    template = json.loads(encode(event("PasswordChanged", "s", 1)).value)
    producer = kafka_clients.producer(bootstrap, client_id="bench")
    for i in range(n):
        stream, version = event_at(i, streams)
        body = {**template, "event_id": str(uuid.uuid4()), "stream_id": stream, "stream_version": version}
        producer.send(topic, key=stream.encode(), value=json.dumps(body).encode(),
                      headers=[("event_type", b"PasswordChanged")])  # fmt: skip
    producer.flush(timeout=120)
    producer.close(timeout=10)


def raw_kafka(bootstrap: str, topic: str, n: int) -> float:
    """Seconds to read N records with a plain assigned consumer."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    tps = partitions(consumer, [topic])
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    seen, start = 0, time.perf_counter()
    while seen < n:
        seen += sum(len(rs) for rs in consumer.poll(timeout_ms=500).values())
    elapsed = time.perf_counter() - start
    consumer.close()
    return elapsed


def raw_mongo(db: Any, n: int, streams: int, size: int) -> float:
    """Seconds to bulk-write the same versioned updates the projection makes, `size` per call."""
    coll = db[COLLECTION]
    start = time.perf_counter()
    for i in range(0, n, size):
        ops = [
            UpdateOne({"_id": s, "_version": {"$lt": v}}, _update(v), upsert=True)
            for s, v in (event_at(k, streams) for k in range(i, min(i + size, n)))
        ]
        coll.bulk_write(ops, ordered=True)
    return time.perf_counter() - start


def replay(env: dict[str, str], client: Any) -> tuple[float, int]:
    """Seconds for the rebuild engine to replay every event into the counting projection."""
    service = counting_service(env)
    infra = replace(service.infra(), mongo_db=env["MONGO_DB"])
    plan = rebuild.Plan(service, tuple(service.consumers.values()), infra, env["MONGO_DB"] + "__shadow")
    consumer = KafkaConsumer(bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"], group_id=None,
                             enable_auto_commit=False, max_poll_records=500)  # fmt: skip
    start = time.perf_counter()
    stats = rebuild.run(plan, client, consumer, restart=True, progress=sys.stderr)
    elapsed = time.perf_counter() - start
    consumer.close()
    return elapsed, stats.events


def main(argv: list[str] | None = None) -> int:
    """Run the three measurements and write the JSON result."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--streams", type=int, help="default: events / 10")
    # the raw baseline batches its writes; the rebuild engine writes one event at a time through its handler
    p.add_argument("--bulk-size", type=int, default=50, help="updates per bulk_write (default 50)")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = p.parse_args(argv)
    n, streams = args.events, args.streams or max(1, args.events // 10)
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    mongo_uri = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017")
    run_id = uuid.uuid4().hex[:8]
    env = {"MONGO_URI": mongo_uri, "MONGO_DB": f"bench_{run_id}", "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
           "KAFKA_TOPIC_PREFIX": f"bench{run_id}.", "LOG_JSON": "0"}  # fmt: skip
    topic = env["KAFKA_TOPIC_PREFIX"] + ACCOUNTS
    kafka_clients.ensure_topics(bootstrap, [topic], partitions=3, replication=1, with_dlq=False)
    client = connect(mongo_uri, app_name="bench", timeout_ms=5000)
    try:
        t0, watch = time.perf_counter(), RssWatch()
        produce(bootstrap, topic, n, streams)
        print(f"produced {n} events in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        rss = {"produce": watch.done()}
        watch = RssWatch()
        kafka_s = raw_kafka(bootstrap, topic, n)
        rss["raw_kafka"] = watch.done()
        print(f"raw kafka: {kafka_s:.1f}s", file=sys.stderr)
        watch = RssWatch()
        mongo_s = raw_mongo(client[f"bench_{run_id}_raw"], n, streams, args.bulk_size)
        rss["raw_mongo"] = watch.done()
        print(f"raw mongo bulk: {mongo_s:.1f}s", file=sys.stderr)
        watch = RssWatch()
        replay_s, replayed = replay(env, client)
        rss["replay"] = watch.done()
    finally:
        for name in (env["MONGO_DB"], f"{env['MONGO_DB']}__shadow", f"bench_{run_id}_raw"):
            client.drop_database(name)
        client.close()
    rates = {"raw_kafka": n / kafka_s, "raw_mongo_bulk": n / mongo_s, "replay": replayed / replay_s}
    lower = min(rates["raw_kafka"], rates["raw_mongo_bulk"])
    result = {
        "at": datetime.now(UTC).isoformat(),
        "events": n,
        "streams": streams,
        "bulk_size": args.bulk_size,
        "events_per_second": {k: round(v, 1) for k, v in rates.items()},
        "replay_vs_raw_kafka": round(rates["replay"] / rates["raw_kafka"], 3),
        "replay_vs_raw_mongo_bulk": round(rates["replay"] / rates["raw_mongo_bulk"], 3),
        "replay_vs_lower": round(rates["replay"] / lower, 3),
        "goal_met": rates["replay"] >= 0.5 * lower,
        "rss_mb_by_phase": rss,
        "replay_rss_growth_mb": round(rss["replay"]["max"] - rss["replay"]["start"], 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"replay-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    print(f"written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
