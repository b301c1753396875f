"""The audit trail on the real broker: `explain` an account's history, `tail` with filters."""

from __future__ import annotations

import json
import uuid

import pytest
from ops_support import counting_service, event, ops, publish

from kabinet import kafka as kafka_clients
from kabinet.contracts.topics import ACCOUNTS

pytestmark = pytest.mark.integration


def test_explain_shows_who_did_what_when_and_from_where(service_env, kafka_bootstrap):
    env, service = service_env, counting_service(service_env)
    topic = env["KAFKA_TOPIC_PREFIX"] + ACCOUNTS
    kafka_clients.ensure_topics(kafka_bootstrap, [topic], partitions=3, replication=1)
    account = str(uuid.uuid4())
    stream = f"account-{account}"
    mine = [
        event("LoginSucceeded", stream, 1, account_id=account, ip="203.0.113.7"),
        event("PasswordChanged", stream, 2, account_id=account, ip="198.51.100.9"),
    ]
    publish(kafka_bootstrap, topic, [*mine, event("LoginSucceeded", f"account-{uuid.uuid4()}", 1)])

    code, out, _ = ops(env, service, "explain", account)
    assert code == 0 and "2 event(s) about" in out
    assert out.index("LoginSucceeded v1") < out.index("PasswordChanged v1")
    assert "ip=203.0.113.7" in out and "ip=198.51.100.9" in out and "identity" in out

    code, out, _ = ops(env, service, "tail", "accounts", "--from-beginning", "--no-follow",
                       "--stream", stream, "--type", "PasswordChanged", "--json")  # fmt: skip
    assert code == 0
    assert [json.loads(line)["event_id"] for line in out.splitlines()] == [mine[1].event_id]
    code, out, _ = ops(env, service, "tail", "--from-beginning", "--limit", "1", "--json")
    assert code == 0 and len(out.splitlines()) == 1
