"""Billing feed projection throughput: billing-link's real feed consumer vs raw pymongo `bulk_write`.

    .venv/bin/python -m tests.bench.bench_billing_projection                 # 100 000 events
    .venv/bin/python -m tests.bench.bench_billing_projection --events 10000  # a quicker run

Publishes a mix of `BillingAccountUpserted` / `BalanceChanged` events (the first event of each
account is an upsert, then 80 % balance changes, 20 % re-upserts; ~10 events per account) to a
fresh billing feed topic, then:

1. **projection** — billing-link's registered `projection` consumer (`CONSUMERS["projection"]`,
   reading only the feed topic here, built by `build_loop` as `python -m billing_link consume`
   builds it: group consumer, decode, the offset-guarded directory writes, per-batch commits)
   consumes the topic into a fresh database until every event is handled;
2. **raw** — the same updates (the feed handler's own `CHANGES` functions over the same payloads)
   written with pymongo `bulk_write` (ordered batches of upserts, one command each; 99 per batch,
   see `BULK_BATCH`) into another collection of the same database.

Reports events/s of both, the ratio (goal ≥ 50 %), peak RSS of this process (the consumer runs
in it), checks both collections end in the same balances, and writes
`bench/results/billing-projection-<date>.json`. Uses `KAFKA_BOOTSTRAP_SERVERS` / `MONGO_URI` when
set, else the local servers of `deploy/infra.py` (started if down). Its topic and database are
deleted afterwards (`--keep` keeps them).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import resource
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
CURRENCY = "RUB"
REGIONS = ("RU-MOW", "RU-SPE", "RU-NVS", "RU-TA", "RU-KDA")
TYPES = ("internet", "tv", "personal_account", "home_phone", "mobile")
PHONE_TYPES = (3, 4)
# Unpatched FerretDB v1 held a backend connection per statement of an `update` command until the
# command ended, so a bulk bigger than its pool hung the server (deploy/ferretdb/patches fixes it);
# 99 stays below the SQLite backend's pool, for servers built before the patch.
BULK_BATCH = 99


def servers() -> tuple[str, str]:
    """Kafka bootstrap and Mongo URI: from the environment, else the locally provisioned servers."""
    kafka, mongo = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGO_URI")
    if kafka and mongo:
        return kafka, mongo
    spec = importlib.util.spec_from_file_location("kabinet_deploy_infra", ROOT / "deploy" / "infra.py")
    assert spec and spec.loader
    infra = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = infra
    spec.loader.exec_module(infra)
    endpoints = infra.ensure_started()
    return kafka or endpoints.kafka_bootstrap, mongo or endpoints.mongo_uri


def rss_mb() -> dict[str, float]:
    """Peak and current resident set size of this process, MB."""
    with open("/proc/self/statm") as f:
        current = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return {
        "peak": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "now": round(current, 1),
    }


def feed(events: int, accounts: int, seed: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """The benchmark's billing feed, the same sequence for the same arguments."""
    rnd = random.Random(seed)
    numbers = [f"{9 * 10**11 + i:012d}" for i in range(accounts)]
    seen: set[str] = set()
    for _ in range(events):
        number = rnd.choice(numbers)
        amount = f"{rnd.uniform(-100, 900):.2f}"
        if number in seen and rnd.random() < 0.8:
            yield (
                "BalanceChanged",
                {
                    "account_number": number,
                    "balance": {"amount": amount, "currency": CURRENCY},
                    "reason": rnd.choice(("payment", "monthly fee", "call charges", "refund")),
                },
            )
            continue
        seen.add(number)
        i = int(number) % len(TYPES)
        yield "BillingAccountUpserted", {
            "account_number": number,
            "region": REGIONS[int(number) % len(REGIONS)],
            "service_type": TYPES[i],
            "identifiers": [f"+7916{int(number) % 10**7:07d}"] if i in PHONE_TYPES else [],
            "holder": {"last_name": "Иванов", "first_name": "Пётр", "middle_name": "Сергеевич",
                       "birth_date": "1985-04-12"},
            "contract_phone": f"+7903{int(number) % 10**7:07d}",
            "balance": {"amount": amount, "currency": CURRENCY},
            "status": "active",
            "plan": rnd.choice(("Домашний 500", "Мобильный M", "ТВ Базовый")),
            "options": [{"code": "static-ip", "name": "Статический IP", "status": "on"}],
        }  # fmt: skip


def publish(runtime: Any, topic: str, events: int, accounts: int, seed: int) -> dict[str, Any]:
    """Put the feed on the topic (acks=all), keyed by account number."""
    from kabinet.contracts import encode, new_envelope

    producer = runtime.producer()
    started = time.perf_counter()
    for event_type, payload in feed(events, accounts, seed):
        envelope = new_envelope(
            event_type, payload, event_version=1, producer="billing", stream_id=payload["account_number"],
            stream_version=1, correlation_id="bench",
        )  # fmt: skip
        wire = encode(envelope)
        producer.send(topic, key=wire.key, value=wire.value, headers=wire.headers)
    producer.flush(120)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "events_per_s": round(events / seconds)}


def project(runtime: Any, events: int, timeout: float) -> dict[str, Any]:
    """Run billing-link's registered directory projection (feed only) until every event is handled."""
    from billing_link.consumers import CONSUMERS
    from kabinet.contracts.topics import BILLING_FEED
    from kabinet.service import build_loop

    spec = replace(CONSUMERS["projection"], topics=(BILLING_FEED,))
    first: list[float] = []

    def timed(rt: Any) -> Any:
        handler = spec.build(rt)

        def handle(envelope: Any, record: Any) -> None:
            if not first:
                first.append(time.perf_counter())  # the group joined and the first record arrived
            handler(envelope, record)

        return handle

    started = time.perf_counter()
    consumer, loop = build_loop(runtime, replace(spec, build=timed))
    try:
        while loop.stats.handled + loop.stats.skipped + loop.stats.dead_lettered < events:
            loop.poll_once(timeout_ms=500)
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"projection timed out: {loop.stats} after {timeout:.0f}s")
        done = time.perf_counter()
    finally:
        consumer.close(autocommit=False)
    seconds = done - first[0]
    return {
        "seconds": round(seconds, 2),
        "seconds_with_group_join": round(done - started, 2),
        "events_per_s": round(events / seconds),
        "handled": loop.stats.handled,
        "dead_lettered": loop.stats.dead_lettered,
    }


def raw(mongo: str, db_name: str, events: int, accounts: int, seed: int) -> dict[str, Any]:
    """The same updates with pymongo `bulk_write`: ordered batches of upserts, one round trip each."""
    from pymongo import MongoClient, UpdateOne

    from billing_link.billing_feed import CHANGES

    client: MongoClient[Any] = MongoClient(mongo, appname="bench-raw", socketTimeoutMS=120_000, tz_aware=True)
    coll = client[db_name]["raw_billing_accounts"]
    batch: list[UpdateOne] = []
    seconds = 0.0
    for event_type, payload in feed(events, accounts, seed):
        update = CHANGES[event_type](payload, datetime.now(UTC))
        batch.append(UpdateOne({"_id": payload["account_number"]}, update, upsert=True))
        if len(batch) == BULK_BATCH:
            seconds += _bulk(coll, batch)
            batch = []
    if batch:
        seconds += _bulk(coll, batch)
    client.close()
    return {"seconds": round(seconds, 2), "events_per_s": round(events / seconds), "batch": BULK_BATCH}


def _bulk(coll: Any, batch: list[Any]) -> float:
    started = time.perf_counter()
    coll.bulk_write(batch, ordered=True)
    return time.perf_counter() - started


def same_end_state(db: Any) -> dict[str, Any]:
    """Both collections hold the same balances for the same accounts."""
    fields = {"balance": 1, "status": 1}
    projected = {d["_id"]: (d["balance"], d["status"]) for d in db["billing_accounts"].find({}, fields)}
    written = {d["_id"]: (d["balance"], d["status"]) for d in db["raw_billing_accounts"].find({}, fields)}
    differ = [k for k in written if projected.get(k) != written[k]]
    return {"accounts": len(projected), "same": projected == written, "differ": len(differ)}


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.bench_billing_projection", description=__doc__
    )
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=0, help="default: events / 10")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds the projection may take")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the topic and the database")
    args = parser.parse_args(argv)
    accounts = args.accounts or max(1, args.events // 10)
    kafka, mongo = servers()
    load_before = os.getloadavg()
    run = uuid.uuid4().hex[:8]
    env = {
        "MONGO_URI": mongo,
        "MONGO_DB": f"bench_{run}_billing_link",
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "KAFKA_TOPIC_PREFIX": f"bench{run}.",
        "LOG_JSON": "0",
        "LOG_LEVEL": "WARNING",
        "KABINET_KEYS_DB": f"bench_{run}_keys",  # personal-data keys of the bench's holders, dropped after
    }
    os.environ.update(env)  # the registered consumer reads its settings from the environment

    from billing_link.bootstrap import SERVICE
    from billing_link.config import Settings
    from kabinet import kafka as kafka_clients
    from kabinet.contracts.topics import BILLING_FEED
    from kabinet.runtime import Runtime

    runtime = Runtime.open(Settings.from_env().infra)
    topic = runtime.topic(BILLING_FEED)
    created = kafka_clients.ensure_topics(kafka, [topic], partitions=args.partitions, replication=1)
    try:
        SERVICE.setup(runtime)
        print(f"publishing {args.events} events over {accounts} accounts to {topic} …", flush=True)
        produced = publish(runtime, topic, args.events, accounts, args.seed)
        rss_published = rss_mb()
        print(
            f"  published in {produced['seconds']}s; projecting with billing-link's feed consumer …",
            flush=True,
        )
        projection = project(runtime, args.events, args.timeout)
        rss_projected = rss_mb()
        print(f"  projected {projection['events_per_s']} events/s; raw bulk_write …", flush=True)
        baseline = raw(mongo, env["MONGO_DB"], args.events, accounts, args.seed)
        check = same_end_state(runtime.db)
        result = {
            "bench": "billing-projection",
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "events": args.events,
            "accounts": accounts,
            "partitions": args.partitions,
            "mix": "first event of an account an upsert; then 80% BalanceChanged, 20% re-upserts",
            "publish": produced,
            "projection": projection,
            "raw_bulk_write": baseline,
            "ratio": round(projection["events_per_s"] / baseline["events_per_s"], 3),
            "goal_ratio": 0.5,
            "rss_mb": {"after_publish": rss_published, "after_projection": rss_projected, "end": rss_mb()},
            "end_state": check,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "load_avg_before": [round(x, 2) for x in load_before],
                        "load_avg_after": [round(x, 2) for x in os.getloadavg()]},
            "servers": {"kafka": kafka, "mongo": mongo.split("@")[-1]},
        }  # fmt: skip
    finally:
        runtime.close()
        if not args.keep:
            _clean_up(kafka, mongo, [env["MONGO_DB"], env["KABINET_KEYS_DB"]], created)
    out = args.out or RESULTS / f"billing-projection-{date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(
        f"projection {projection['events_per_s']} ev/s, raw bulk_write {baseline['events_per_s']} ev/s, "
        f"ratio {result['ratio']:.0%} (goal ≥ 50%), peak RSS {result['rss_mb']['end']['peak']} MB, "
        f"end states {'equal' if check['same'] else 'DIFFER'} → {out}"
    )
    return 0 if check["same"] and projection["dead_lettered"] == 0 else 1


def _clean_up(kafka: str, mongo: str, databases: list[str], topics: list[str]) -> None:
    from kafka.admin import KafkaAdminClient

    from kabinet.mongo import connect

    client = connect(mongo, app_name="bench-clean-up")
    for name in databases:
        client.drop_database(name)
    client.close()
    if topics:
        admin = KafkaAdminClient(bootstrap_servers=kafka, client_id="bench-clean-up")
        try:
            admin.delete_topics(topics)
        finally:
            admin.close()


if __name__ == "__main__":
    sys.exit(main())
