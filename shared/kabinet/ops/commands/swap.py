"""`cutover` (shadow over live, within a diff budget, backup kept) and `rollback`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from kabinet import kafka_cluster
from kabinet.ops import cutover, infra, rebuild
from kabinet.ops.commands.projections import compare_args, compute_diff, plan, target_args
from kabinet.ops.infra import OpsError
from kabinet.ops.kafkaread import Offsets, bounds, partitions

if TYPE_CHECKING:
    from kabinet.ops.cli import Context

CHECK_FAILED = 1


def register(sub: Any) -> None:
    """Add `cutover` and `rollback`."""
    c = sub.add_parser("cutover", help="copy the shadow over live when the diff is within --budget")
    target_args(c)
    compare_args(c)
    c.add_argument("--budget", type=int, required=True, help="most documents allowed to differ")
    c.add_argument("--no-catch-up", action="store_true", help="do not bring the shadow up to date first")
    c.set_defaults(run=run_cutover)
    r = sub.add_parser("rollback", help="put back the live collections a cutover replaced")
    target_args(r)
    r.add_argument("--backup", help="backup db to restore (default: the latest cutover's)")
    r.set_defaults(run=run_rollback)


def run_cutover(ctx: Context, args: argparse.Namespace) -> int:
    """Catch up, diff, back up, swap, then apply what arrived meanwhile to the new live collections."""
    p = plan(ctx, args)
    client = ctx.mongo()
    if not args.no_catch_up:
        rebuild.run(p, client, ctx.reader())
    report = compute_diff(ctx, args, p)
    if report.differences > args.budget:
        ctx.say(f"cutover blocked: {report.differences} document(s) differ, budget {args.budget}")
        return CHECK_FAILED
    live, shadow = client[p.infra.mongo_db], client[p.target]
    names = [c.name for c in report.collections]
    groups = _group_offsets(ctx, p)  # before the backup: the backup holds at least this much
    backup_db = cutover.backup_name(live.name)
    cutover.backup(live, client[backup_db], names)
    positions = rebuild.Positions(shadow).load()
    for name in names:
        cutover.swap_in(live, name, shadow[name])
    caught = _catch_up(ctx, p, positions)
    cutover.record(
        client[ctx.settings.ops_db],
        _id=backup_db,
        service=p.service.name,
        live_db=live.name,
        shadow_db=p.target,
        collections=names,
        group_offsets=cutover.offsets_doc(groups),
        shadow_positions=cutover.offsets_doc(positions),
    )
    ctx.say(
        f"cut over {', '.join(names) or 'nothing'} in {live.name}; backup {backup_db}; "
        f"{caught} event(s) since the rebuild applied"
    )
    return 0


def run_rollback(ctx: Context, args: argparse.Namespace) -> int:
    """Restore the backup of a cutover, then re-apply what the live projection saw since."""
    p = plan(ctx, args)
    client = ctx.mongo()
    ops = client[ctx.settings.ops_db]
    rec = cutover.latest(ops, p.infra.mongo_db, args.backup)
    if rec is None:
        raise OpsError(f"no cutover of {p.infra.mongo_db} to roll back")
    live, backup = client[p.infra.mongo_db], client[rec["_id"]]
    for name in rec["collections"]:
        cutover.swap_in(live, name, backup[name])
    groups = cutover.offsets_of(rec["group_offsets"])
    shadow = cutover.offsets_of(rec["shadow_positions"])
    starts = {tp: min(o, shadow.get(tp, o)) for tp, o in groups.items()} | {
        tp: o for tp, o in shadow.items() if tp not in groups
    }
    caught = _catch_up(ctx, p, starts)
    ops[cutover.CUTOVERS].update_one({"_id": rec["_id"]}, {"$set": {"state": "rolled_back"}})
    ctx.say(
        f"restored {', '.join(rec['collections'])} in {live.name} from {rec['_id']}; "
        f"{caught} event(s) re-applied"
    )
    return 0


def _group_offsets(ctx: Context, p: rebuild.Plan) -> Offsets:
    """The lowest committed offset per partition over the consumers' groups."""
    admin = infra.admin(ctx.settings)
    try:
        out: Offsets = {}
        for spec in p.specs:
            group = p.infra.topic_prefix + spec.group_id
            with infra.kafka_errors(ctx.settings):
                committed = kafka_cluster.committed(admin, [group])[group]
            for tp, offset in committed.items():
                out[tp] = min(out.get(tp, offset), offset)
        return out
    finally:
        admin.close()


def _catch_up(ctx: Context, p: rebuild.Plan, starts: Offsets) -> int:
    """Apply records from `starts` (beginning where unknown) to now into the live database."""
    consumer = ctx.reader()
    tps = partitions(consumer, p.topics)
    begin, end = bounds(consumer, tps)
    live = p.infra.mongo_db
    runtime = rebuild.target_runtime(p.infra, ctx.mongo(), target=live, live=live)
    from_ = {tp: max(begin[tp], starts.get(tp, begin[tp])) for tp in tps}
    return rebuild.replay(consumer, p.handlers(runtime), from_, end).events
