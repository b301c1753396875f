"""`python -m billing_link.demo`: publish the demo billing dataset to the billing feed.

`--from export.jsonl` replays a billing export instead: one event per line, either
`{"event_type": …, "payload": {…}}` or a bare `BillingAccountUpserted` payload.
`--from export.csv` reads a spreadsheet export: a header row naming payload fields, dotted
for nested ones (`holder.last_name`, `balance.amount`), `[]`-suffixed for lists split on `;`
(`identifiers[]`), optional `event_type` / `event_id` columns; empty cells are left out.
Events go through the contract codec (strict: a bad line stops the run before anything is sent),
keyed by account number. Event ids are derived from the content and events already in
the topic are skipped, so running twice publishes nothing new.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from billing_link.config import Settings
from billing_link.demo_data import DOCUMENTED, accounts
from billing_link.identifiers import mask
from kabinet import kafka as kafka_clients
from kabinet.contracts import ContractViolation, Envelope, encode, new_envelope
from kabinet.contracts.topics import BILLING_FEED

_EVENT_NS = uuid.UUID("0f6e1d2c-3b4a-4958-8a7b-6c5d4e3f2a1b")


def feed_envelope(event_type: str, payload: dict[str, Any], event_id: str | None = None) -> Envelope:
    """A billing feed event; its id is derived from its content unless given."""
    content = json.dumps([event_type, payload], sort_keys=True, ensure_ascii=False)
    return new_envelope(
        event_type,
        payload,
        event_version=1,
        producer="billing",
        stream_id=str(payload["account_number"]),
        stream_version=1,
        correlation_id="billing-demo",
        event_id=event_id or str(uuid.uuid5(_EVENT_NS, content)),
    )


def demo_envelopes() -> list[Envelope]:
    """One `BillingAccountUpserted` per demo account."""
    return [feed_envelope("BillingAccountUpserted", acc) for acc in accounts()]


def export_envelopes(lines: Iterable[str]) -> list[Envelope]:
    """The events of a JSONL billing export, each checked against its contract."""
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(_row_envelope(json.loads(line)))
        except (ValueError, KeyError, AttributeError, ContractViolation) as exc:
            raise SystemExit(f"line {n}: {exc}") from exc
    return out


def csv_envelopes(text: str) -> list[Envelope]:
    """The events of a CSV billing export (see the module docstring), each checked likewise."""
    out = []
    for n, cells in enumerate(csv.DictReader(io.StringIO(text)), 2):  # line 1 is the header
        row: dict[str, Any] = {}
        for column, cell in cells.items():
            if column and cell:
                _put(row, column.strip(), cell.strip())
        if not row:
            continue
        meta = {k: row.pop(k) for k in ("event_type", "event_id") if k in row}
        try:
            out.append(_row_envelope({**meta, "payload": row}))
        except (ValueError, KeyError, AttributeError, ContractViolation) as exc:
            raise SystemExit(f"line {n}: {exc}") from exc
    return out


def _put(row: dict[str, Any], column: str, cell: str) -> None:
    """Set a dotted (nested) column; a `[]` suffix makes a `;`-separated list."""
    *parents, leaf = column.split(".")
    for name in parents:
        row = row.setdefault(name, {})
    if leaf.endswith("[]"):
        row[leaf[:-2]] = [item.strip() for item in cell.split(";") if item.strip()]
    else:
        row[leaf] = cell


def _row_envelope(row: dict[str, Any]) -> Envelope:
    """One export row as a feed envelope, checked against its contract (raises when it breaks it)."""
    event_type = row.get("event_type", "BillingAccountUpserted")
    env = feed_envelope(event_type, row.get("payload", row), row.get("event_id"))
    encode(env)
    return env


def published_event_ids(bootstrap: str, topic: str, timeout: float = 30.0) -> set[str]:
    """Event ids already in `topic` (read from the start to the current end)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        end = consumer.end_offsets(parts)
        seen: set[str] = set()
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in parts) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                seen.update(_event_id(r.value) for r in records)
        return seen
    finally:
        consumer.close()


def _event_id(value: bytes | None) -> str:
    try:
        return str(json.loads(value or b"").get("event_id"))
    except (ValueError, AttributeError):
        return ""


def publish(envelopes: Sequence[Envelope], settings: Settings) -> tuple[int, int]:
    """Send the envelopes not yet in the feed topic; (published, skipped)."""
    infra = settings.infra
    topic = infra.topic_prefix + BILLING_FEED
    kafka_clients.ensure_topics(
        infra.kafka_bootstrap, [topic], partitions=infra.topic_partitions, replication=infra.topic_replication
    )
    present = published_event_ids(infra.kafka_bootstrap, topic)
    todo = [e for e in envelopes if e.event_id not in present]
    producer = kafka_clients.producer(infra.kafka_bootstrap, client_id="billing-link-demo")
    try:
        futures = [
            producer.send(topic, key=w.key, value=w.value, headers=w.headers) for w in map(encode, todo)
        ]
        producer.flush(30)
        for f in futures:
            f.get(timeout=30)
    finally:
        producer.close(timeout=5)
    return len(todo), len(envelopes) - len(todo)


def markdown() -> str:
    """The table of documented demo accounts for DEMO.md."""
    rows = [
        "| account | region | type | identifier | holder | born | contract phone | notes |",
        "|" + "---|" * 8,
    ]
    for acc, note in DOCUMENTED:
        h = acc["holder"]
        name = " ".join(x for x in (h["last_name"], h["first_name"], h["middle_name"]) if x)
        ident = ", ".join(acc["identifiers"]) or acc["account_number"]
        rows.append(
            f"| {acc['account_number']} | {acc['region']} | {acc['service_type']} | {ident} | {name} "
            f"| {h['birth_date']} | {acc['contract_phone']} | {note} |"
        )
    return "\n".join(rows) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Publish the demo dataset or an export (JSONL or CSV); `--markdown` prints the documented accounts."""
    parser = argparse.ArgumentParser(prog="python -m billing_link.demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--from", dest="source", type=Path, help="a billing export to replay (.jsonl or .csv)"
    )
    parser.add_argument("--markdown", action="store_true", help="print the DEMO.md table and exit")
    args = parser.parse_args(argv)
    if args.markdown:
        sys.stdout.write(markdown())
        return 0
    envelopes = demo_envelopes()
    if args.source and args.source.suffix.lower() == ".csv":
        envelopes = csv_envelopes(args.source.read_text(encoding="utf-8-sig"))
    elif args.source:
        envelopes = export_envelopes(args.source.read_text().splitlines())
    sent, skipped = publish(envelopes, Settings.from_env())
    accounts_seen = {mask(e.stream_id) for e in envelopes}
    print(f"billing feed: published {sent}, already there {skipped} ({len(accounts_seen)} accounts)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
