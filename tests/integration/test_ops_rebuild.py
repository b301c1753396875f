"""Shadow rebuilds on the real servers: equal to live, resumable, diffs that block, determinism."""

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
def env(service_env: dict[str, str], mongo_client: Any) -> Iterator[dict[str, str]]:
    ops_db = f"t_ops_{uuid.uuid4().hex[:10]}"
    yield {**service_env, "OPS_DB": ops_db}
    drop_ops_databases(mongo_client, service_env["MONGO_DB"], ops_db)


@pytest.fixture
def history(env: dict[str, str], kafka_bootstrap: str) -> int:
    """Four accounts with 1–4 events each, one event re-sent by the relay; the distinct count."""
    topic = env["KAFKA_TOPIC_PREFIX"] + ACCOUNTS
    kafka_clients.ensure_topics(kafka_bootstrap, [topic], partitions=3, replication=1)
    events = [
        event("PasswordChanged", f"account-{uuid.uuid4()}", v) for n in range(1, 5) for v in range(1, n + 1)
    ]
    publish(kafka_bootstrap, topic, [*events, events[3]])
    return len(events)


def live_counts(service: Any, expected: int) -> None:
    def counted(loop: Any) -> bool:
        return loop.stats.handled >= expected + 1

    run_live(service, counted, what=f"{expected} events counted live")


def test_a_rebuild_equals_the_live_projection_and_may_cut_over(env, history, mongo_client, tmp_path):
    service = counting_service(env)
    live_counts(service, history)
    live = mongo_client[env["MONGO_DB"]][COLLECTION]
    before = sorted(live.find(), key=lambda d: d["_id"])

    assert ops(env, service, "rebuild", "--service", "counting")[0] == 0
    code, out, _ = ops(env, service, "diff", "--service", "counting", "--report", str(tmp_path / "r.json"))
    assert code == 0, out
    assert json.loads((tmp_path / "r.json").read_text())["differences"] == 0
    code, out, err = ops(env, service, "cutover", "--service", "counting", "--budget", "0",
                         "--report", str(tmp_path / "c.json"))  # fmt: skip
    assert code == 0, out + err
    assert sorted(live.find(), key=lambda d: d["_id"]) == before
    backup = mongo_client[env["OPS_DB"]]["cutovers"].find_one()["_id"]
    assert mongo_client[backup][COLLECTION].count_documents({}) == len(before)
    assert ops(env, service, "rollback", "--service", "counting")[0] == 0
    assert sorted(live.find(), key=lambda d: d["_id"]) == before


def test_an_interrupted_rebuild_resumes_and_finishes_equal(env, history):
    service = counting_service(env)
    live_counts(service, history)

    code, out, _ = ops(env, service, "rebuild", "--service", "counting", "--stop-after", "4")
    assert code == 0 and "stopped after 4 event(s)" in out
    code, out, _ = ops(env, service, "rebuild", "--service", "counting")
    assert code == 0 and f"with {history + 1 - 4} event(s)" in out
    code, out, _ = ops(env, service, "diff", "--service", "counting", "--report", "/dev/null")
    assert code == 0, out


def test_a_changed_live_document_shows_in_the_diff_and_blocks_cutover(env, history, mongo_client, tmp_path):
    service = counting_service(env)
    live_counts(service, history)
    live = mongo_client[env["MONGO_DB"]][COLLECTION]
    tampered = live.find_one()["_id"]
    live.update_one({"_id": tampered}, {"$set": {"events": 99}})
    assert ops(env, service, "rebuild", "--service", "counting")[0] == 0

    code, out, _ = ops(env, service, "diff", "--service", "counting", "--report", str(tmp_path / "r.json"))
    report = json.loads((tmp_path / "r.json").read_text())
    assert code == 1 and report["differences"] == 1
    assert report["details"][0]["fields"]["events"]["live"] == 99
    code, out, _ = ops(env, service, "cutover", "--service", "counting", "--budget", "0",
                       "--report", str(tmp_path / "c.json"))  # fmt: skip
    assert code == 1 and "cutover blocked" in out
    assert live.find_one({"_id": tampered})["events"] == 99


def test_the_determinism_check_passes_a_pure_projection_and_reports_one_stamping_the_clock(env, history):
    code, out, err = ops(env, counting_service(env), "determinism", "--service", "counting")
    assert code == 0 and "stream_counts: deterministic" in out, err

    stamping = counting_service(env, Behaviour(stamp_now=True))
    code, out, _ = ops(env, stamping, "determinism", "--service", "counting")
    assert code == 1 and "NOT deterministic" in out and "counted_at" in out
