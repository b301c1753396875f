"""kill -9 of an outbox relay, consumers and an API worker in the middle of a registration load.

After the crashed processes are back: every acknowledged registration's UserRegistered is on
the topic exactly once in effect (one event id per account, whatever the duplicates), the
gateway's read model equals a fresh rebuild from the topic, verification opened one challenge
per account, billing-link knows every subscriber, and each account's SMS code was sent once.
"""

from __future__ import annotations

import time

import pytest
from chaos import checks
from chaos.load import CommandLoad
from support import wait_for

from identity.consumers import build_projection
from kabinet.contracts import topics

pytestmark = pytest.mark.e2e

KILLS = (  # (seconds into the load, process, how)
    (2.0, "identity-publish", "process"),
    (4.0, "verification-consume", "process"),
    (6.0, "identity-api", "worker"),
    (8.0, "identity-consume", "process"),
    (10.0, "verification-publish", "process"),
    (12.0, "billing-link-consume", "process"),
)


def test_crashed_processes_lose_and_duplicate_nothing(chaos_suite, mongo_client):
    suite = chaos_suite
    load = CommandLoad(suite.gateway, threads=3, rate=2.0).start()
    t0 = time.monotonic()
    try:
        for at, name, how in KILLS:
            time.sleep(max(0.0, at - (time.monotonic() - t0)))
            if how == "worker":
                suite.kill_worker(name)
            else:
                suite.wait_restarted(name, suite.kill(name))
        time.sleep(max(0.0, 15 - (time.monotonic() - t0)))
    finally:
        load.stop()
    accepted = {a["account_id"]: a["phone"] for a in load.accepted}
    assert len(accepted) >= 20, f"too little load got through: {len(accepted)} of {len(load.outcomes)}"
    server_errors = [o for o in load.outcomes if o.status >= 500]
    assert not server_errors, f"5xx during the crashes: {server_errors[:3]}"

    # every due message sent, exactly once (the dev inbox counts what the SMS gateway received)
    wait_for(
        lambda: all(checks.inbox_counts(mongo_client, suite)[p] for p in accepted.values()),
        timeout=120,
        every=1.0,
        what="an SMS code for every accepted registration",
    )
    time.sleep(2)  # a late duplicate would show up now
    sent = checks.inbox_counts(mongo_client, suite)
    assert {p: sent[p] for p in accepted.values() if sent[p] != 1} == {}

    # UserRegistered published once in effect for every acknowledged registration
    records = checks.read_all(suite.env["KAFKA_BOOTSTRAP_SERVERS"], suite.topic(topics.ACCOUNTS))
    per_stream = checks.event_ids_per_stream(checks.envelopes(records), "UserRegistered")
    missing = [a for a in accepted if f"account-{a}" not in per_stream]
    assert missing == []
    assert {s: ids for s, ids in per_stream.items() if len(ids) != 1} == {}

    dbs = suite.databases()
    verification = mongo_client[dbs["verification"]]["challenges"]
    opened = checks.counts(
        d["account_id"] for d in verification.find({"purpose": "registration"}, projection=["account_id"])
    )
    assert {a: opened[a] for a in accepted if opened[a] != 1} == {}
    subscribers = {d["_id"] for d in mongo_client[dbs["billing_link"]]["subscribers"].find({}, ["_id"])}
    assert set(accepted) <= subscribers

    # the gateway's read model equals a fresh rebuild from the topic
    live = mongo_client[dbs["identity"]]
    assert set(accepted) <= {d["_id"] for d in live["accounts"].find({}, ["_id"])}
    bootstrap, topic = suite.env["KAFKA_BOOTSTRAP_SERVERS"], suite.topic(topics.ACCOUNTS)

    def equal_to_rebuild() -> bool:
        rebuilt, cleanup = checks.rebuild(
            mongo_client, build_projection, checks.read_all(bootstrap, topic), suite_env=suite.env
        )
        try:
            return checks.canonical(rebuilt, ["accounts"]) == checks.canonical(live, ["accounts"])
        finally:
            cleanup()

    wait_for(equal_to_rebuild, timeout=60, every=2.0, what="the read model to equal a fresh rebuild")
