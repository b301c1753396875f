"""`tail` (follow topics, decoded) and `explain` (one stream's or account's history): the audit trail."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from kabinet.consumer import Record
from kabinet.contracts import DecodeError, Envelope
from kabinet.contracts.envelope import rfc3339
from kabinet.ops.audit import EventFilter, explain, resolve_topics, tail
from kabinet.ops.render import event_block, event_dict, security, table

if TYPE_CHECKING:
    from kabinet.ops.cli import Context

EXPLAIN_COLUMNS = ("when", "who", "what", "stream", "from", "correlation_id")


def register(sub: Any) -> None:
    """Add `tail` and `explain`."""
    t = sub.add_parser("tail", help="follow topics with decoded, pretty events")
    t.add_argument(
        "topics",
        nargs="*",
        help="topics (short: accounts, verification, services, "
        "notifications, billing); default: every contract topic",
    )
    t.add_argument("--from-beginning", action="store_true", help="start at the oldest record, not now")
    t.add_argument("--no-follow", action="store_true", help="stop at the end offsets taken at start")
    t.add_argument("--stream", action="append", default=[], help="only this stream id (repeatable)")
    t.add_argument("--type", action="append", default=[], help="only this event type (repeatable)")
    t.add_argument("--limit", type=int, help="stop after this many events")
    t.add_argument("--json", action="store_true", help="one JSON envelope per line")
    t.set_defaults(run=run_tail)
    e = sub.add_parser("explain", help="history of a stream or account across every kabinet topic")
    e.add_argument("subject", help="stream id, account id, correlation id or any id in a payload")
    e.add_argument("--topic", action="append", default=[], help="limit to these topics")
    e.add_argument("--payload", action="store_true", help="print each event's payload too")
    e.add_argument("--json", action="store_true", help="one JSON envelope per line")
    e.set_defaults(run=run_explain)


def run_tail(ctx: Context, args: argparse.Namespace) -> int:
    """Print events as they arrive."""

    def sink(env: Envelope | None, record: Record, error: DecodeError | None) -> None:
        if env is None:
            where = f"{record.topic}:{record.partition}:{record.offset}"
            ctx.say(
                json.dumps({"undecodable": str(error), "position": where})
                if args.json
                else f"!! undecodable record at {where}: {error}"
            )
        else:
            ctx.say(
                json.dumps(event_dict(env, record), ensure_ascii=False)
                if args.json
                else event_block(env, record)
            )

    flt = EventFilter(frozenset(args.stream), frozenset(args.type))
    topics = resolve_topics(ctx.settings.topic_prefix, args.topics)
    tail(
        ctx.reader(),
        topics,
        sink,
        flt=flt,
        from_beginning=args.from_beginning,
        follow=not args.no_follow,
        limit=args.limit,
    )
    return 0


def run_explain(ctx: Context, args: argparse.Namespace) -> int:
    """Print who did what, when and from where, oldest first."""
    topics = resolve_topics(ctx.settings.topic_prefix, args.topic)
    found = explain(ctx.reader(), topics, args.subject)
    if args.json:
        for env, record in found:
            ctx.say(json.dumps(event_dict(env, record), ensure_ascii=False))
        return 0
    rows = [_row(env) for env, _ in found]
    ctx.say(table(rows, EXPLAIN_COLUMNS, widths={"from": 60, "stream": 60}))
    if args.payload:
        for env, record in found:
            ctx.say(event_block(env, record))
    ctx.say(f"{len(found)} event(s) about {args.subject}")
    return 0


def _row(env: Envelope) -> dict[str, Any]:
    where = security(env.payload)
    return {
        "when": rfc3339(env.occurred_at),
        "who": env.producer,
        "what": f"{env.event_type} v{env.event_version}",
        "stream": f"{env.stream_id}@{env.stream_version}",
        "from": " ".join(f"{k}={v}" for k, v in where.items()),
        "correlation_id": env.correlation_id,
    }
