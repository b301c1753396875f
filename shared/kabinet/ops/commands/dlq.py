"""`dlq list|show|replay|purge`: dead letters per consumer group."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from kafka import TopicPartition

from kabinet.contracts import DecodeError, decode
from kabinet.ops import infra
from kabinet.ops.audit import resolve_topics
from kabinet.ops.dlq import DeadLetter, Marks, Selection, dlq_topics, fetch, load, replay
from kabinet.ops.infra import OpsError
from kabinet.ops.kafkaread import bounds, partitions
from kabinet.ops.render import event_dict, json_lines, table
from kabinet.ops.services import resolve

if TYPE_CHECKING:
    from kabinet.ops.cli import Context

COLUMNS = ("id", "origin", "group", "event_type", "failed_at", "error", "state")
WIDTHS = {"id": 60, "origin": 50, "group": 40, "error": 60, "failed_at": 32}


def register(sub: Any) -> None:
    """Add `dlq` and its sub-commands."""
    p = sub.add_parser("dlq", help="list, show, replay or purge dead letters")
    dsub = p.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")
    ls = dsub.add_parser("list", help="dead letters with origin, consumer group, error")
    _select(ls)
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    ls.set_defaults(run=list_letters)
    show = dsub.add_parser("show", help="one letter: headers, key, decoded event or raw value")
    show.add_argument("id", help="<dlq topic>:<partition>:<offset> as `dlq list` prints it")
    show.set_defaults(run=show_letter)
    rp = dsub.add_parser(
        "replay", help="re-produce letters onto their origin topic (consumers are idempotent)"
    )
    rp.add_argument("ids", nargs="*", help="letters to replay (or --all)")
    rp.add_argument("--all", action="store_true", help="every selected letter not replayed yet")
    rp.add_argument("--again", action="store_true", help="with --all: include letters replayed before")
    _select(rp)
    rp.set_defaults(run=replay_letters)
    pg = dsub.add_parser("purge", help="hide letters from list/replay (marks in the ops database)")
    pg.add_argument("ids", nargs="*", help="letters to purge (or --all)")
    pg.add_argument("--all", action="store_true", help="every selected letter; without --group: a watermark")
    pg.add_argument(
        "--delete-records",
        action="store_true",
        help="with --all and no --group: also delete the records from Kafka (admin DeleteRecords)",
    )
    _select(pg)
    pg.set_defaults(run=purge_letters)


def _select(p: argparse.ArgumentParser) -> None:
    p.add_argument("--topic", action="append", default=[], help="origin topic (short names: accounts, …)")
    p.add_argument("--group", action="append", default=[], help="consumer group (with or without prefix)")
    p.add_argument("--service", help="every consumer group of a service (identity, verification, …)")
    p.add_argument("--include-purged", action="store_true", help="show purged letters too")


def _selected(
    ctx: Context, args: argparse.Namespace, ids: list[str] | None = None
) -> list[tuple[DeadLetter, str]]:
    prefix = ctx.settings.topic_prefix
    marks = Marks(ctx.mongo()[ctx.settings.ops_db])
    consumer = ctx.reader()
    if ids:
        return fetch(consumer, marks, ids)
    groups = set(args.group)
    if args.service:
        groups |= {s.group_id for s in resolve(args.service, ctx.services).consumers.values()}
    selection = Selection(frozenset(groups), include_purged=bool(args.include_purged))
    return load(consumer, marks, dlq_topics(consumer, prefix, _origins(ctx, args)), selection, prefix)


def _origins(ctx: Context, args: argparse.Namespace) -> list[str]:
    return resolve_topics(ctx.settings.topic_prefix, args.topic) if args.topic else []


def list_letters(ctx: Context, args: argparse.Namespace) -> int:
    """Print the selected letters."""
    rows = [{**letter.summary(), "state": state} for letter, state in _selected(ctx, args)]
    if args.json:
        if rows:
            ctx.say(json_lines(rows))
    else:
        ctx.say(table(rows, COLUMNS, widths=WIDTHS) + f"\n{len(rows)} dead letter(s)")
    return 0


def show_letter(ctx: Context, args: argparse.Namespace) -> int:
    """Print one letter in full."""
    found = _selected(ctx, args, [args.id])
    if not found:
        raise OpsError(f"no dead letter {args.id}")
    letter, state = found[0]
    out: dict[str, Any] = {
        "id": letter.id,
        "state": state or "new",
        "key": (letter.key or b"").decode(errors="replace"),
        "headers": {k: v.decode(errors="replace") for k, v in letter.headers},
    }
    try:
        out["event"] = event_dict(decode(letter.value))
    except DecodeError as exc:
        out["undecodable"] = str(exc)
        out["raw_value"] = (letter.value or b"")[:4000].decode(errors="replace")
    ctx.say(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


def replay_letters(ctx: Context, args: argparse.Namespace) -> int:
    """Re-produce letters onto their origin topics and mark them replayed."""
    if bool(args.ids) == bool(args.all):
        raise OpsError("name letters to replay, or pass --all")
    found = _selected(ctx, args, list(args.ids) or None)
    missing = sorted(set(args.ids) - {letter.id for letter, _ in found})
    if missing:
        raise OpsError(f"no such dead letter(s): {', '.join(missing)}")
    todo = [letter for letter, state in found if args.ids or args.again or state != "replayed"]
    producer = infra.producer(ctx.settings)
    try:
        done = replay(producer, Marks(ctx.mongo()[ctx.settings.ops_db]), todo)
    finally:
        producer.close(timeout=5)
    for letter, offset in done:
        ctx.say(f"replayed {letter.id} -> {letter.origin} offset {offset}")
    ctx.say(f"{len(done)} dead letter(s) replayed")
    return 0


def purge_letters(ctx: Context, args: argparse.Namespace) -> int:
    """Mark letters purged; a purge of all sets per-partition watermarks (and may delete records)."""
    if bool(args.ids) == bool(args.all):
        raise OpsError("name letters to purge, or pass --all")
    marks = Marks(ctx.mongo()[ctx.settings.ops_db])
    whole = args.all and not (args.group or args.service)
    if args.delete_records and not whole:
        raise OpsError("--delete-records needs --all without --group/--service (it deletes whole prefixes)")
    found = _selected(ctx, args, list(args.ids) or None)
    if whole:
        return _purge_partitions(ctx, args, marks, found)
    for letter, _ in found:
        marks.mark(letter.id, "purged")
    ctx.say(f"{len(found)} dead letter(s) purged")
    return 0


def _purge_partitions(ctx: Context, args: argparse.Namespace, marks: Marks, found: list[Any]) -> int:
    consumer = ctx.reader()
    tps = partitions(consumer, dlq_topics(consumer, ctx.settings.topic_prefix, _origins(ctx, args)))
    _, ends = bounds(consumer, tps)
    for tp, end in ends.items():
        marks.purge_below(tp, end)
    if args.delete_records:
        admin = infra.admin(ctx.settings)
        try:
            admin.delete_records(
                {TopicPartition(tp.topic, tp.partition): o for tp, o in ends.items() if o > 0}
            )
        finally:
            admin.close()
    ctx.say(f"{len(found)} dead letter(s) purged (watermarks set on {len(ends)} partition(s))")
    return 0
