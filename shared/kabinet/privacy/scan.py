"""Verification by scan: search topics (from offset zero) and collections for a subject's plaintext.

The values searched for (name, phone, email…) are given by the operator at scan time, or
captured in memory just before an erasure; they are never stored, logged or reported —
a hit names the place and the index of the value only. Kafka values, keys and headers
are searched as UTF-8 text, JSON-escaped forms too; Mongo documents as their JSON text.

Hits are split by owner: `kabinet` (Kabinet's own topics and collections: must be zero
after an erasure) and `external` (the operator billing system's feed topic: the system
of record of the contract, outside Kabinet's erasure; reported so an operator can see
them). billing-link's mirror of that feed keeps only keyed prints and a sealed contract
phone (`billing_link.mirror`), so it is Kabinet's like any other collection: a readable
holder there is a Kabinet hit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from pymongo import MongoClient

from kabinet.contracts.topics import BILLING_FEED
from kabinet.mongo import Doc

EXTERNAL_COLLECTIONS: tuple[str, ...] = ()  # collections owned outside Kabinet (none: the mirror minimises)
TOPIC_TIMEOUT = 300.0


@dataclass(frozen=True)
class Hit:
    """One place where a searched value was found (which value: its index in the request)."""

    owner: str
    kind: str
    where: str
    value_index: int


@dataclass
class Report:
    """What a scan checked and found."""

    scanned_at: str
    topics: list[dict[str, Any]] = field(default_factory=list)  # {name, messages}
    collections: list[dict[str, Any]] = field(default_factory=list)  # {name, documents}
    hits: list[Hit] = field(default_factory=list)

    def kabinet_hits(self) -> list[Hit]:
        """Hits in Kabinet's own topics and collections."""
        return [h for h in self.hits if h.owner == "kabinet"]

    def summary(self) -> dict[str, Any]:
        """The report as JSON-ready data (no searched value in it)."""
        data = asdict(self)
        data["kabinet_hit_count"] = len(self.kabinet_hits())
        data["external_hit_count"] = len(self.hits) - data["kabinet_hit_count"]
        return data


class Needles:
    """The searched values, in every form they may take in JSON text."""

    def __init__(self, values: Sequence[str]) -> None:
        self._forms = [
            {v, v.casefold(), json.dumps(v)[1:-1], json.dumps(v.casefold())[1:-1]} for v in values if v
        ]

    def found(self, text: str) -> list[int]:
        """Indexes of the values `text` contains."""
        folded = text.casefold()
        return [i for i, forms in enumerate(self._forms) if any(f in text or f in folded for f in forms)]


def scan(
    values: Sequence[str],
    *,
    bootstrap: str,
    topic_prefix: str,
    client: MongoClient[Doc],
    databases: Iterable[str],
) -> Report:
    """Scan every topic of the deployment's namespace and every collection of `databases`."""
    needles = Needles(values)
    report = Report(scanned_at=datetime.now(UTC).isoformat())
    scan_topics(report, needles, bootstrap, topic_prefix)
    for name in databases:
        scan_database(report, needles, client, name)
    return report


def scan_topics(report: Report, needles: Needles, bootstrap: str, topic_prefix: str) -> None:
    """Every topic whose name starts with the prefix, from offset zero to the current end."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        names = sorted(t for t in consumer.topics() if t.startswith(topic_prefix) and not t.startswith("__"))
        for topic in names:
            owner = "external" if topic == topic_prefix + BILLING_FEED else "kabinet"
            seen = _scan_topic(report, needles, consumer, topic, owner)
            report.topics.append({"name": topic, "messages": seen})
    finally:
        consumer.close()


def _scan_topic(report: Report, needles: Needles, consumer: KafkaConsumer, topic: str, owner: str) -> int:
    parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    end = consumer.end_offsets(parts)
    seen, deadline = 0, time.monotonic() + TOPIC_TIMEOUT
    while any(consumer.position(tp) < end[tp] for tp in parts):
        if time.monotonic() > deadline:  # an unfinished scan must never pass for a clean one
            raise TimeoutError(f"could not read {topic} to its end in {TOPIC_TIMEOUT:.0f}s")
        for tp, records in consumer.poll(timeout_ms=1000).items():
            for r in records:
                if r.offset >= end[tp]:
                    continue
                seen += 1
                text = _record_text(r)
                for i in needles.found(text):
                    report.hits.append(Hit(owner, "topic", f"{topic}/{tp.partition}@{r.offset}", i))
    return seen


def _record_text(record: Any) -> str:
    parts = [record.key or b"", record.value or b""] + [v for _, v in record.headers or []]
    return "\n".join(p.decode("utf-8", errors="replace") for p in parts)


def scan_database(report: Report, needles: Needles, client: MongoClient[Doc], name: str) -> None:
    """Every document of every collection of one database."""
    db = client[name]
    for coll in sorted(db.list_collection_names()):
        owner = "external" if coll in EXTERNAL_COLLECTIONS else "kabinet"
        seen = 0
        for doc in db[coll].find():
            seen += 1
            text = json.dumps(doc, default=str, ensure_ascii=False)
            doc_id = str(doc["_id"])
            shown = "(id withheld: it holds a searched value)" if needles.found(doc_id) else doc_id
            for i in needles.found(text):
                report.hits.append(Hit(owner, "collection", f"{name}.{coll}/{shown}", i))
        report.collections.append({"name": f"{name}.{coll}", "documents": seen})
