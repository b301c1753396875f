"""What the fault tests check with: whole topics, canonical hashes of projections, rebuilds."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from kabinet.contracts import decode

ENVELOPE = ("event_id", "event_type", "stream_id", "stream_version", "producer", "payload")

# fields that differ between two correct runs: clocks, random ids, codes, bookkeeping
VOLATILE = frozenset(
    {
        "event_id", "occurred_at", "seq", "published", "published_at", "correlation_id", "causation_id",
        "code", "code_hash", "link_hash", "token", "link", "expires_at", "opened_at", "last_sent_at",
        "created_at", "sent_at", "at", "next_at", "finished_at", "updated_at", "requested_at",
        "registered_at", "lease_until", "phone_at", "notification_id", "message", "attempts",
    }
)  # fmt: skip


def read_all(bootstrap: str, topic: str, *, timeout: float = 30.0) -> list[Any]:
    """Every record of a topic, from the beginning to the end offsets seen now (no consumer group)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, max_poll_records=1000)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        parts = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not parts:
            return []
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        end = consumer.end_offsets(parts)
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in parts):
            if time.monotonic() > deadline:
                raise AssertionError(f"could not read {topic} to its end within {timeout}s")
            for batch in consumer.poll(timeout_ms=300).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def envelopes(records: Iterable[Any]) -> list[SimpleNamespace]:
    """The envelope fields of every record that parses (the payload stays sealed: no key store needed)."""
    out = []
    for r in records:
        try:
            raw = json.loads(r.value)
            out.append(SimpleNamespace(**{k: raw[k] for k in ENVELOPE}))
        except (ValueError, TypeError, KeyError):
            continue
    return out


def event_ids_per_stream(envs: Iterable[Any], event_type: str) -> dict[str, set[str]]:
    """Distinct event ids of one type per stream (duplicates by event id collapse)."""
    out: dict[str, set[str]] = {}
    for e in envs:
        if e.event_type == event_type:
            out.setdefault(e.stream_id, set()).add(e.event_id)
    return out


def _clean(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _clean(v) for k, v in sorted(value.items()) if k not in VOLATILE}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def canonical(db: Any, collections: Iterable[str] | None = None) -> dict[str, str]:
    """Per collection: SHA-256 of its documents, sorted, without volatile fields."""
    names = sorted(collections or db.list_collection_names())
    out = {}
    for name in names:
        docs = sorted(
            (json.dumps(_clean(d), sort_keys=True, ensure_ascii=False, default=str) for d in db[name].find()),
        )
        out[name] = hashlib.sha256("\n".join(docs).encode()).hexdigest()[:16] + f"/{len(docs)}"
    return out


def rebuild(
    mongo_client: Any,
    build: Callable[[Any], Callable[[Any, Any], None]],
    records: list[Any],
    *,
    times: int = 1,
    replays: int = 1,
    service: str = "rebuild",
    suite_env: Mapping[str, str] | None = None,
) -> tuple[Any, Callable[[], None]]:
    """Apply a service's handler to `records` in a fresh database: each record `times` times in a
    row, the whole sequence `replays` times. Returns the database and a cleanup. The suite's key
    store settings (`KABINET_*` of `suite_env`) let the rebuild open sealed personal data."""
    from kabinet.runtime import Runtime
    from kabinet.settings import EnvReader, InfraSettings

    name = f"rb_{uuid.uuid4().hex[:10]}"
    keys = {k: v for k, v in (suite_env or {}).items() if k.startswith("KABINET_")}
    env = {"MONGO_DB": name, "MONGO_URI": _uri(mongo_client), "LOG_JSON": "0", **keys}
    infra = InfraSettings.read(service, EnvReader.for_service("X_", env))
    runtime = Runtime.open(infra)
    handler = build(runtime)
    for _ in range(replays):
        for record in records:
            try:
                env = decode(record.value)
            except Exception:
                continue
            for _ in range(times):
                handler(env, record)

    def cleanup() -> None:
        runtime.close()
        mongo_client.drop_database(name)

    return runtime.db, cleanup


def _uri(client: Any) -> str:
    host, port = next(iter(client.nodes)) if client.nodes else ("127.0.0.1", 27017)
    return f"mongodb://{host}:{port}"


def in_order(*topics_records: list[Any]) -> list[Any]:
    """Records of several topics merged by broker timestamp (how they were appended, roughly)."""
    merged = [r for records in topics_records for r in records]
    return sorted(merged, key=lambda r: (r.timestamp, r.topic, r.partition, r.offset))


def counts(values: Iterable[str]) -> Counter[str]:
    """How often each value occurs."""
    return Counter(values)


def unknown_outcomes(mongo_client: Any, suite: Any) -> set[str]:
    """Recipients of notices whose sender was killed mid-attempt: reported `unknown`, never resent."""
    coll = mongo_client[suite.databases()["notifier"]]["notifications"]
    return {str(d["to"]) for d in coll.find({"state": "unknown"}, ["to"])}


def inbox_counts(mongo_client: Any, suite: Any) -> Counter[str]:
    """How many messages the dev inbox holds per recipient (one query, not one request per address)."""
    coll = mongo_client[suite.databases()["devsink"]]["messages"]
    return Counter(str(d["to"]) for d in coll.find({}, ["to"]))
