"""The Mongo-protocol server "stopped" for 10 s during load (its proxy refuses and resets connections).

Readiness goes red; requests get a prompt 503 problem+json (never a 500, never a hang); when
the server is back everything recovers, and every registration acknowledged before, during or
after the outage is published and gets its SMS code.
"""

from __future__ import annotations

import time

import pytest
import requests
from chaos import checks
from chaos.load import CommandLoad
from chaos.people import signed_in
from support import wait_for

from kabinet.contracts import topics

pytestmark = pytest.mark.e2e
OUTAGE_SECONDS = 10.0


def readiness(url: str) -> int:
    try:
        return requests.get(f"{url}/readyz", timeout=15).status_code
    except requests.RequestException:
        return 0


def test_a_database_outage_is_a_clean_503_then_everything_recovers(chaos_suite, mongo_proxy):
    suite = chaos_suite
    _, _, auth = signed_in(suite, wait_for)
    load = CommandLoad(suite.gateway, threads=3, rate=2.0, reads=auth).start()
    try:
        time.sleep(2)
        mongo_proxy.down()
        went_down = time.monotonic()
        wait_for(lambda: readiness(suite.gateway) == 503, timeout=15, every=0.5, what="/readyz to go red")
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - went_down)))
        mongo_proxy.up()
        wait_for(lambda: readiness(suite.gateway) == 200, timeout=30, every=0.5, what="/readyz to go green")
        back, back_wall = time.monotonic(), time.time()

        def me_ok() -> bool:
            return requests.get(f"{suite.gateway}/api/v1/me", headers=auth, timeout=15).status_code == 200

        wait_for(me_ok, timeout=30, every=0.5, what="GET /me to answer again")
        time.sleep(3)
    finally:
        mongo_proxy.up()
        load.stop()
    outcomes = load.outcomes
    assert [o for o in outcomes if o.status == 500] == []
    refused = [o for o in outcomes if o.status == 503]
    assert refused, "no request met the outage"
    assert {o.content_type for o in refused} == {"application/problem+json"}
    assert all(o.body["status"] == 503 and o.body["type"].endswith("service-unavailable") for o in refused)
    assert [o for o in outcomes if o.status == 0] == []  # no hang (timeouts) and no dropped connection
    assert max(o.seconds for o in outcomes) < 15
    assert {o.status for o in outcomes} <= {200, 201, 503}
    assert [o for o in outcomes if o.kind == "register" and o.status == 201 and o.at > back_wall]
    assert back - went_down < OUTAGE_SECONDS + 30

    # nothing acknowledged was lost: every accepted registration is published and gets its code
    accepted = {a["account_id"]: a["phone"] for a in load.accepted}
    wait_for(
        lambda: all(suite.messages(p) for p in accepted.values()),
        timeout=120,
        every=1.0,
        what="an SMS code for every registration acknowledged around the outage",
    )
    records = checks.read_all(suite.env["KAFKA_BOOTSTRAP_SERVERS"], suite.topic(topics.ACCOUNTS))
    per_stream = checks.event_ids_per_stream(checks.envelopes(records), "UserRegistered")
    assert [a for a in accepted if len(per_stream.get(f"account-{a}", ())) != 1] == []
