"""Baselines measured in the same run as the load: bcrypt bound, bare Flask, raw consume, raw bulk write."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import bcrypt
import requests

HERE = Path(__file__).resolve().parent


def _bcrypt_worker(rounds: int, seconds: float, out: Any) -> None:
    material = b"x" * 44  # the identity hasher's pre-hash is 44 base64 bytes
    hashed = bcrypt.hashpw(material, bcrypt.gensalt(rounds))
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        bcrypt.checkpw(material, hashed)
        n += 1
    out.put(n / (time.perf_counter() - t0))


def bcrypt_rates(rounds: int, workers: int, seconds: float = 4.0) -> dict[str, float]:
    """checkpw/s on one core, and with `workers` processes at once (the suite's API workers)."""
    ctx = mp.get_context("spawn")

    def run(n: int) -> list[float]:
        q = ctx.Queue()
        procs = [ctx.Process(target=_bcrypt_worker, args=(rounds, seconds, q)) for _ in range(n)]
        for p in procs:
            p.start()
        rates = [q.get(timeout=seconds * 10 + 30) for _ in procs]
        for p in procs:
            p.join()
        return rates

    single = run(1)[0]
    parallel = sum(run(workers))
    return {
        "rounds": rounds,
        "workers": workers,
        "per_core_per_s": round(single, 2),
        "bound_per_s": round(single * workers, 2),
        "measured_parallel_per_s": round(parallel, 2),
    }


class HelloServer:
    """A bare Flask `GET /hello` under gunicorn with the suite's worker settings."""

    def __init__(self, port: int, workers: int, threads: int, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}/hello"
        cmd = [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--worker-class", "gthread", "--threads", str(threads), "--access-logfile", "-",
            "--chdir", str(HERE), "hello_app:create_app()",
        ]  # fmt: skip
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url, timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the hello server did not start")

    def stop(self) -> None:
        """Terminate it."""
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _event_doc(i: int) -> dict[str, Any]:
    return {
        "_id": f"bench-{i}:1",
        "seq": i,
        "topic": "kabinet.accounts.events",
        "event_id": str(uuid.uuid4()),
        "event_type": "UserRegistered",
        "event_version": 1,
        "stream_id": f"account-{uuid.uuid4()}",
        "stream_version": 1,
        "payload": {
            "login": f"user{i}",
            "last_name": "Иванов",
            "first_name": "Пётр",
            "phone": "+79161234567",
        },
        "published": False,
    }


def mongo_bulk_write(mongo_uri: str, count: int = 20000, batch: int = 1000) -> dict[str, float]:
    """Documents/s of unordered `insert_many` batches of event-sized documents into a fresh collection."""
    from kabinet.mongo import connect

    client = connect(mongo_uri, app_name="bench-baseline")
    db = client[f"bench_raw_{uuid.uuid4().hex[:8]}"]
    docs = [_event_doc(i) for i in range(count)]
    try:
        t0 = time.perf_counter()
        for k in range(0, count, batch):
            db["events"].insert_many(docs[k : k + batch], ordered=False)
        took = time.perf_counter() - t0
    finally:
        client.drop_database(db.name)
        client.close()
    return {"documents": count, "seconds": round(took, 3), "per_s": round(count / took, 1)}


def kafka_consume(bootstrap: str, topic: str, count: int = 20000) -> dict[str, float]:
    """Messages/s of a plain kafka-python consumer reading `count` envelope-sized records."""
    from kafka import KafkaConsumer, TopicPartition

    from kabinet import kafka as kafka_clients

    kafka_clients.ensure_topics(bootstrap, [topic], partitions=3, replication=1, with_dlq=False)
    producer = kafka_clients.producer(bootstrap, client_id="bench-raw")
    value = json.dumps({"payload": _event_doc(0), "pad": "x" * 300}).encode()
    for i in range(count):
        producer.send(topic, key=str(i).encode(), value=value)
    producer.flush(60)
    producer.close(5)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, max_poll_records=500)
    parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    seen, t0 = 0, time.perf_counter()
    deadline = t0 + 120
    while seen < count and time.perf_counter() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            seen += len(records)
    took = time.perf_counter() - t0
    consumer.close()
    return {"messages": seen, "seconds": round(took, 3), "per_s": round(seen / took, 1)}


def loadavg() -> list[float]:
    """1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]
