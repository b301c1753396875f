"""`rebuild`, `diff`, `hash`, `determinism`: shadow rebuilds of a service's replayable projections."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kabinet.ops import projdb, rebuild
from kabinet.ops.compare import canonical, first_difference
from kabinet.ops.infra import OpsError
from kabinet.ops.kafkaread import bounds, partitions
from kabinet.ops.projdb import DiffReport, find_by_key
from kabinet.ops.services import replayable, resolve

if TYPE_CHECKING:
    from kabinet.ops.cli import Context

CHECK_FAILED = 1


def register(sub: Any) -> None:
    """Add the projection commands."""
    r = sub.add_parser("rebuild", help="replay replayable consumers from offset zero into the shadow db")
    target_args(r)
    r.add_argument("--restart", action="store_true", help="drop the shadow db first (default: resume)")
    r.add_argument("--stop-after", type=int, metavar="N", help="stop after N events (resume later)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    r.set_defaults(run=run_rebuild)
    d = sub.add_parser("diff", help="shadow vs live: counts, per-document differences, JSON report")
    target_args(d)
    compare_args(d)
    d.add_argument("--budget", type=int, default=0, help="exit 1 when more documents differ (default 0)")
    d.set_defaults(run=run_diff)
    h = sub.add_parser("hash", help="canonical hash per collection (bookkeeping fields excluded)")
    target_args(h)
    h.add_argument("--shadow", action="store_true", help="hash the shadow db instead of the live one")
    h.add_argument("--collection", action="append", default=[], help="collections (default: the shadow's)")
    h.add_argument("--ignore", action="append", default=[], help="another bookkeeping field (dotted)")
    h.set_defaults(run=run_hash)
    m = sub.add_parser("determinism", help="two rebuilds must hash alike; else print the first difference")
    target_args(m)
    m.add_argument("--ignore", action="append", default=[], help="another bookkeeping field (dotted)")
    m.add_argument("--keep", action="store_true", help="keep the two databases (<live>__det1/__det2)")
    m.set_defaults(run=run_determinism)


def target_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--service", required=True, help="identity, verification, billing-link, notifier")
    p.add_argument(
        "--consumer",
        action="append",
        default=[],
        help="only these consumers (default: every one marked replayable)",
    )
    p.add_argument("--db", help="live database (default: the service's MONGO_DB)")
    p.add_argument("--shadow-db", help="target database (default: <live db>__shadow)")


def compare_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--collection", action="append", default=[], help="also compare this collection")
    p.add_argument("--ignore", action="append", default=[], help="another bookkeeping field (dotted)")
    p.add_argument("--details", type=int, default=20, help="documents whose field changes are reported")
    p.add_argument("--report", type=Path, help="JSON report path (default ./kabinet-diff-<db>-<time>.json)")


def plan(ctx: Context, args: argparse.Namespace, target: str | None = None) -> rebuild.Plan:
    """The rebuild the arguments describe, connected the operator's way."""
    service = resolve(args.service, ctx.services)
    specs = replayable(service, list(args.consumer))
    s = ctx.settings
    infra = service.infra()
    infra = replace(
        infra,
        mongo_uri=s.mongo_uri,
        kafka_bootstrap=s.kafka_bootstrap,
        topic_prefix=s.topic_prefix,
        mongo_db=args.db or infra.mongo_db,
    )
    return rebuild.Plan(service, tuple(specs), infra, target or args.shadow_db or f"{infra.mongo_db}__shadow")


def run_rebuild(ctx: Context, args: argparse.Namespace) -> int:
    """Rebuild or resume the shadow database."""
    p = plan(ctx, args)
    progress = None if args.no_progress else ctx.err
    stats = rebuild.run(
        p, ctx.mongo(), ctx.reader(), restart=args.restart, progress=progress, stop_after=args.stop_after
    )
    skipped = f"{stats.undecodable} undecodable, {stats.poison} poison skipped"
    if stats.stopped_early:
        ctx.say(
            f"stopped after {stats.events} event(s) into {p.target} ({skipped}); "
            f"{stats.remaining} left: run again to resume"
        )
    else:
        ctx.say(f"rebuilt {p.target} with {stats.events} event(s) ({skipped})")
    return 0


def compute_diff(ctx: Context, args: argparse.Namespace, p: rebuild.Plan) -> DiffReport:
    """Diff the shadow against the live database and write the JSON report."""
    client = ctx.mongo()
    shadow = client[p.target]
    if rebuild.Positions(shadow).meta() is None:
        raise OpsError(f"{p.target} holds no rebuild: run `rebuild --service {args.service}` first")
    collections = projdb.projection_collections(shadow, [*p.collections, *args.collection])
    report = projdb.diff(
        client[p.infra.mongo_db], shadow, collections, ignore=args.ignore, details=args.details
    )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.report or Path(f"kabinet-diff-{p.infra.mongo_db}-{stamp}.json")
    path.write_text(json.dumps(report.to_json(), indent=1, ensure_ascii=False, default=str))
    lines = [
        f"{'COLLECTION':30} {'LIVE':>8} {'SHADOW':>8} {'ONLY LIVE':>10} {'ONLY SHADOW':>12} {'CHANGED':>8}"
    ]
    for c in report.collections:
        lines.append(
            f"{c.name:30} {c.live_count:>8} {c.shadow_count:>8} {len(c.only_live):>10} "
            f"{len(c.only_shadow):>12} {len(c.changed):>8}"
        )
    ctx.say("\n".join(lines) + f"\n{report.differences} document(s) differ; report: {path}")
    return report


def run_diff(ctx: Context, args: argparse.Namespace) -> int:
    """Exit 1 when more documents differ than the budget allows."""
    report = compute_diff(ctx, args, plan(ctx, args))
    return CHECK_FAILED if report.differences > args.budget else 0


def run_hash(ctx: Context, args: argparse.Namespace) -> int:
    """Print count and hash per collection."""
    p = plan(ctx, args)
    client = ctx.mongo()
    db = client[p.target if args.shadow else p.infra.mongo_db]
    names = args.collection or projdb.projection_collections(client[p.target], p.collections)
    for name, digest in projdb.hashes(db, names, args.ignore).items():
        ctx.say(f"{name:30} {db[name].count_documents({}):>8} {digest}")
    return 0


def run_determinism(ctx: Context, args: argparse.Namespace) -> int:
    """Rebuild twice up to the same offsets; compare the hashes."""
    first = plan(ctx, args, target=f"{args.db or plan(ctx, args).infra.mongo_db}__det1")
    second = replace(first, target=first.target.removesuffix("1") + "2")
    client, consumer = ctx.mongo(), ctx.reader()
    _, ends = bounds(consumer, partitions(consumer, first.topics))
    try:
        for p in (first, second):
            rebuild.run(p, client, consumer, restart=True, ends=ends)
        a, b = client[first.target], client[second.target]
        names = sorted(
            set(projdb.projection_collections(a, first.collections)) | set(projdb.projection_collections(b))
        )
        return _compare_runs(ctx, a, b, names, args.ignore)
    finally:
        if not args.keep:
            client.drop_database(first.target)
            client.drop_database(second.target)


def _compare_runs(ctx: Context, a: Any, b: Any, names: list[str], ignore: list[str]) -> int:
    failed = 0
    for name in names:
        pa, pb = projdb.scan(a[name], ignore), projdb.scan(b[name], ignore)
        key = first_difference(pa, pb)
        if key is None:
            ctx.say(f"{name}: deterministic ({len(pa)} document(s))")
            continue
        failed += 1
        ctx.say(f"{name}: NOT deterministic; first differing document _id={key}")
        ctx.say(f"  run 1: {canonical(find_by_key(a[name], key))}")
        ctx.say(f"  run 2: {canonical(find_by_key(b[name], key))}")
    return CHECK_FAILED if failed else 0
