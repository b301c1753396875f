"""A test-only service for the operator tools: a projection counting events per stream."""

from __future__ import annotations

import io
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from support import drive

from kabinet import kafka as kafka_clients
from kabinet.consumer import Handler, Poison, Record
from kabinet.contracts import REGISTRY, Envelope, encode, new_envelope
from kabinet.contracts.topics import ACCOUNTS
from kabinet.idempotence import apply_versioned
from kabinet.ops.cli import main
from kabinet.runtime import Runtime
from kabinet.service import ConsumerSpec, ServiceDef, build_loop
from kabinet.settings import EnvReader, InfraSettings

COLLECTION = "stream_counts"


@dataclass
class Behaviour:
    """How the projection behaves: a bug (poison types) or a non-deterministic stamp."""

    poison_types: set[str] = field(default_factory=set)
    stamp_now: bool = False


def counting_service(env: Mapping[str, str], behaviour: Behaviour | None = None) -> ServiceDef:
    """A service whose one replayable consumer counts the events of each stream."""
    how = behaviour or Behaviour()

    def build(runtime: Runtime) -> Handler:
        coll = runtime.db[COLLECTION]

        def handle(env: Envelope, _record: Record) -> None:
            if env.event_type in how.poison_types:
                raise Poison(f"bug: cannot count {env.event_type}")
            update: dict[str, Any] = {"$inc": {"events": 1}, "$set": {"last_type": env.event_type}}
            if how.stamp_now:
                update["$set"]["counted_at"] = datetime.now(UTC)
            apply_versioned(coll, env.stream_id, env.stream_version, update)

        return handle

    spec = ConsumerSpec("projection", "counting.projection", (ACCOUNTS,), build, replayable=True)
    return ServiceDef(
        name="counting",
        package="counting",
        default_port=0,
        infra=lambda: InfraSettings.read("counting", EnvReader.for_service("COUNTING_", env)),
        consumers={"projection": spec},
        setup=lambda runtime: runtime.db[COLLECTION].create_index("last_type"),
    )


def event(event_type: str, stream_id: str, version: int, **payload: Any) -> Envelope:
    """A valid event of `event_type` (its registry example, with overrides)."""
    body = {**REGISTRY.latest(event_type).example, **payload}
    return new_envelope(event_type, body, event_version=1, producer="identity", stream_id=stream_id,
                        stream_version=version, correlation_id=f"corr-{uuid.uuid4().hex[:8]}")  # fmt: skip


def publish(bootstrap: str, topic: str, events: list[Envelope]) -> None:
    """Send events to `topic` (acknowledged)."""
    producer = kafka_clients.producer(bootstrap, client_id="ops-tests")
    try:
        for env in events:
            wire = encode(env)
            producer.send(topic, key=wire.key, value=wire.value, headers=wire.headers).get(timeout=10)
    finally:
        producer.close(timeout=5)


def run_live(service: ServiceDef, until: Any, *, what: str) -> Any:
    """Run the service's consumer loop (a real consumer group) until `until(loop)` holds."""
    infra = service.infra()
    runtime = Runtime.open(infra)
    consumer, loop = build_loop(runtime, service.consumers["projection"])
    try:
        drive(loop, lambda: until(loop), what=what)
    finally:
        consumer.close(autocommit=False)
        runtime.producer().close(timeout=5)
        # the Mongo client stays open: Runtime.open made its key store the process's one
    return loop


def ops(env: Mapping[str, str], service: ServiceDef, *argv: str) -> tuple[int, str, str]:
    """Run `python -m kabinet.ops …` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), env=env, services={"counting": service}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def drop_ops_databases(client: Any, live_db: str, ops_db: str) -> None:
    """Drop what the operator tools created beside a test's live database (no listDatabases: slow)."""
    backups = [d["_id"] for d in client[ops_db]["cutovers"].find()]
    for name in [*backups, f"{live_db}__shadow", f"{live_db}__det1", f"{live_db}__det2", ops_db]:
        client.drop_database(name)
