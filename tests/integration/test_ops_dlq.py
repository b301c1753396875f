"""Dead letters on the real servers: listed per consumer group, replayed after a fix, applied once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from ops_support import (
    COLLECTION,
    Behaviour,
    counting_service,
    drop_ops_databases,
    event,
    ops,
    publish,
    run_live,
)

from kabinet import kafka as kafka_clients
from kabinet.contracts.topics import ACCOUNTS

pytestmark = pytest.mark.integration


@pytest.fixture
def env(service_env: dict[str, str], mongo_client: Any, kafka_bootstrap: str) -> Iterator[dict[str, str]]:
    ops_db = f"t_ops_{uuid.uuid4().hex[:10]}"
    topic = service_env["KAFKA_TOPIC_PREFIX"] + ACCOUNTS
    kafka_clients.ensure_topics(kafka_bootstrap, [topic], partitions=1, replication=1)
    yield {**service_env, "OPS_DB": ops_db}
    drop_ops_databases(mongo_client, service_env["MONGO_DB"], ops_db)


def letters(env: dict[str, str], service: Any, *args: str) -> list[dict[str, Any]]:
    code, out, err = ops(env, service, "dlq", "list", "--json", *args)
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_dead_letters_replayed_after_a_fix_apply_once(env, kafka_bootstrap, mongo_client):
    bug = Behaviour(poison_types={"PasswordChanged"})
    service = counting_service(env, bug)
    broken = [event("PasswordChanged", f"account-{uuid.uuid4()}", 1) for _ in range(2)]
    fine = event("LoginSucceeded", f"account-{uuid.uuid4()}", 1)
    publish(kafka_bootstrap, env["KAFKA_TOPIC_PREFIX"] + ACCOUNTS, [*broken, fine])
    run_live(service, lambda loop: loop.stats.handled + loop.stats.dead_lettered >= 3, what="3 events")

    listed = letters(env, service)
    assert [r["event_type"] for r in listed] == ["PasswordChanged", "PasswordChanged"]
    assert listed[0]["group"] == env["KAFKA_TOPIC_PREFIX"] + "counting.projection"
    assert listed[0]["origin"].startswith(env["KAFKA_TOPIC_PREFIX"] + ACCOUNTS + ":0:")
    assert "bug: cannot count" in listed[0]["error"]
    assert letters(env, service, "--group", "counting.projection") == listed
    assert letters(env, service, "--group", "someone.else") == []
    code, out, _ = ops(env, service, "dlq", "show", listed[0]["id"])
    # the two broken streams were handled side by side (lanes by key): either may be first
    assert code == 0 and json.loads(out)["event"]["stream_id"] in {e.stream_id for e in broken}

    bug.poison_types.clear()  # the fix is deployed
    code, out, _ = ops(env, service, "dlq", "replay", "--all")
    assert code == 0 and "2 dead letter(s) replayed" in out
    assert ops(env, service, "dlq", "replay", "--all")[1].endswith("0 dead letter(s) replayed\n")
    assert ops(env, service, "dlq", "replay", listed[0]["id"])[0] == 0  # named: replayed again
    run_live(service, lambda loop: loop.stats.handled >= 3, what="the replayed letters")

    counts = mongo_client[env["MONGO_DB"]][COLLECTION]
    assert [counts.find_one({"_id": e.stream_id})["events"] for e in broken] == [1, 1]
    assert {r["state"] for r in letters(env, service)} == {"replayed"}
    code, out, _ = ops(env, service, "dlq", "purge", "--all")
    assert code == 0 and letters(env, service) == []
