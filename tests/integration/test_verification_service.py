"""Verification on the real servers: a registration opens one challenge, the code confirms it."""

from __future__ import annotations

import json
import uuid

import pytest
from support import drive, read_topic

from kabinet import kafka as kafka_clients
from kabinet.contracts import REGISTRY, Envelope, decode, encode, new_envelope
from kabinet.contracts.topics import ACCOUNTS, SERVICES, VERIFICATION
from kabinet.privacy.erased import ErasedSubjects
from kabinet.relay import OutboxRelay
from kabinet.runtime import Runtime
from kabinet.service import build_loop
from verification.app import create_app
from verification.bootstrap import SERVICE, build_verification
from verification.config import Settings
from verification.consumers import CONSUMERS, challenge_id_for, challenges_handler, to_issue
from verification.eventstore import Challenges
from verification.projection import AppliedVersions, ChallengeProjection

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(service_env):
    return Settings.from_env(service_env)


@pytest.fixture
def runtime(settings, kafka_bootstrap):
    rt = Runtime.open(settings.infra)
    SERVICE.setup(rt)
    names = [rt.topic(t) for t in (ACCOUNTS, SERVICES, VERIFICATION)]
    kafka_clients.ensure_topics(kafka_bootstrap, names, partitions=3, replication=1)
    yield rt
    rt.close()


def user_registered(**overrides) -> Envelope:
    payload = {**REGISTRY.latest("UserRegistered").example, "account_id": str(uuid.uuid4()), **overrides}
    return new_envelope(
        "UserRegistered", payload, event_version=1, producer="identity",
        stream_id=f"account-{payload['account_id']}", stream_version=1, correlation_id=str(uuid.uuid4()),
    )  # fmt: skip


def produce(runtime: Runtime, env: Envelope) -> None:
    wire = encode(env)
    runtime.producer().send(runtime.topic(wire.topic), key=wire.key, value=wire.value, headers=wire.headers)
    runtime.producer().flush(10)


def published(runtime: Runtime, kafka_bootstrap: str, expect: int) -> list[dict]:
    """The published messages as JSON, personal data opened (the wire holds it sealed)."""
    OutboxRelay(runtime.store, runtime.producer()).publish_pending()
    records = read_topic(kafka_bootstrap, runtime.topic(VERIFICATION), expect=expect)
    for r in records:
        assert "+7916" not in r.value.decode() and "@example.ru" not in r.value.decode()
    return [{**json.loads(r.value), "payload": dict(decode(r.value).payload)} for r in records]


def test_a_registration_opens_one_challenge_even_when_redelivered(runtime, kafka_bootstrap):
    registered = user_registered(confirm_via="sms", phone="+79160000001")
    stream = f"challenge-{challenge_id_for(registered.event_id)}"
    consumer, loop = build_loop(runtime, CONSUMERS["requests"])
    try:
        produce(runtime, registered)
        drive(loop, lambda: runtime.store.version(stream) == 1, what="the challenge")
        produce(runtime, registered)  # redelivery
        drive(loop, lambda: loop.stats.handled >= 2, what="the redelivered event")
    finally:
        consumer.close(autocommit=False)
    assert runtime.store.version(stream) == 1
    [event] = published(runtime, kafka_bootstrap, expect=1)
    assert event["event_type"] == "VerificationRequested"
    payload = event["payload"]
    assert payload["destination"] == "+79160000001" and payload["purpose"] == "registration"
    assert event["causation_id"] == registered.event_id
    projected = runtime.db.challenges.find_one({"_id": payload["challenge_id"]})
    assert projected["status"] == "pending" and payload["code"] not in json.dumps(projected, default=str)


def test_the_code_confirms_through_the_internal_api(runtime, settings, kafka_bootstrap):
    registered = user_registered(confirm_via="email", email=f"u{uuid.uuid4().hex[:8]}@example.ru")
    account = registered.payload["account_id"]
    service = create_app(settings)
    build_verification(runtime, settings).issue(to_issue(registered))
    [requested] = published(runtime, kafka_bootstrap, expect=1)
    code = requested["payload"]["code"]
    wrong = "000000" if code != "000000" else "111111"
    client = service.test_client()

    reply = client.post("/internal/v1/confirmations", json={"account_id": account, "code": wrong})
    assert reply.status_code == 422 and reply.get_json()["attempts_left"] == 4
    reply = client.post("/internal/v1/confirmations/resend", json={"account_id": account, "channel": "email"})
    assert reply.status_code == 429 and int(reply.headers["Retry-After"]) > 0
    reply = client.post(
        "/internal/v1/confirmations", json={"account_id": account, "channel": "email", "code": code}
    )
    assert reply.status_code == 200, reply.get_json()
    assert reply.get_json()["status"] == "confirmed" and reply.get_json()["purpose"] == "registration"
    reply = client.post("/internal/v1/confirmations", json={"account_id": account, "code": code})
    assert reply.status_code == 410

    events = published(runtime, kafka_bootstrap, expect=3)
    assert [e["event_type"] for e in events] == ["VerificationRequested", "CodeRejected", "ContactConfirmed"]
    assert events[-1]["payload"]["destination"] == registered.payload["email"]


class NoErasedLookup:
    """An erased-subjects stand-in that fails the test when the consumer reads the tombstones."""

    def __contains__(self, subject: object) -> bool:
        raise AssertionError("the challenges consumer went to the server")

    def write_unless_erased(self, *_args: object) -> bool:
        raise AssertionError("the challenges consumer went to the server")


def test_the_challenges_consumer_skips_without_a_round_trip_what_a_request_applied_in_its_process(runtime):
    registered = user_registered(confirm_via="sms", phone="+79160000002")
    requests_handler = CONSUMERS["requests"].build(runtime)
    requests_handler(registered, None)  # opens the challenge and applies it to the lookups
    stream = f"challenge-{challenge_id_for(registered.event_id)}"
    [opened] = runtime.store.load(stream)
    same_process = ChallengeProjection(runtime.db)
    repo = Challenges(runtime.store, same_process)
    challenges_handler(repo, same_process, NoErasedLookup())(opened, None)  # skipped: no lookups

    another_process = ChallengeProjection(runtime.db, applied=AppliedVersions())
    with pytest.raises(AssertionError, match="went to the server"):
        challenges_handler(repo, another_process, NoErasedLookup())(opened, None)


def account_erased(account_id: str) -> Envelope:
    payload = {**REGISTRY.latest("AccountErased").example, "account_id": account_id}
    return new_envelope(
        "AccountErased", payload, event_version=1, producer="identity",
        stream_id=f"account-{account_id}", stream_version=9, correlation_id=str(uuid.uuid4()),
    )  # fmt: skip


def test_a_challenge_projected_while_its_account_is_erased_does_not_outlive_the_erasure(runtime):
    registered = user_registered(confirm_via="sms", phone="+79160000003")
    account = registered.payload["account_id"]
    CONSUMERS["requests"].build(runtime)(registered, None)
    [opened] = runtime.store.load(f"challenge-{challenge_id_for(registered.event_id)}")
    runtime.db.challenges.delete_many({})  # the lookups as a rebuild starts them: empty
    other_lane = CONSUMERS["challenges"].build(runtime)  # handles AccountErased meanwhile

    class ErasedMeanwhile(ChallengeProjection):
        def apply(self, c, version):  # the erasure lands after this lane's check
            other_lane(account_erased(account), None)
            super().apply(c, version)

    projection = ErasedMeanwhile(runtime.db, applied=AppliedVersions())
    repo, erased = Challenges(runtime.store, projection), ErasedSubjects(runtime.db)
    challenges_handler(repo, projection, erased)(opened, None)

    assert runtime.db.challenges.count_documents({"account_id": account}) == 0


def test_the_requests_consumer_marks_an_erasure_itself_and_issues_no_code_after_it(runtime):
    registered = user_registered(confirm_via="sms", phone="+79160000004")
    requests_handler = CONSUMERS["requests"].build(runtime)
    requests_handler(account_erased(registered.payload["account_id"]), None)  # the challenges group lags

    requests_handler(registered, None)

    assert runtime.store.version(f"challenge-{challenge_id_for(registered.event_id)}") == 0
