"""The event store on the real servers holds no plaintext personal data: the outbox document is
sealed, the relay publishes it sealed, `load` opens it, and an erased subject reads as erased."""

from __future__ import annotations

import json
import uuid

import pytest
from support import read_topic

from kabinet import kafka as kafka_clients
from kabinet.contracts import REGISTRY, decode, new_envelope
from kabinet.contracts.topics import VERIFICATION
from kabinet.privacy.crypto import ERASED, is_sealed
from kabinet.relay import OutboxRelay
from kabinet.runtime import Runtime
from kabinet.settings import EnvReader, InfraSettings

pytestmark = pytest.mark.integration


@pytest.fixture
def runtime(service_env, kafka_bootstrap):
    rt = Runtime.open(InfraSettings.read("test", EnvReader.for_service("T_", service_env)))
    rt.store.create_indexes()
    kafka_clients.ensure_topics(kafka_bootstrap, [rt.topic(VERIFICATION)], partitions=1, replication=1)
    yield rt
    rt.close()


def requested(account_id: str):
    payload = {**REGISTRY.latest("VerificationRequested").example, "account_id": account_id,
               "destination": "+79165550001", "code": "424242", "link_token": "tok-secret-1"}  # fmt: skip
    return new_envelope(
        "VerificationRequested", payload, event_version=1, producer="verification",
        stream_id=f"challenge-{uuid.uuid4()}", stream_version=1, correlation_id="c",
    )  # fmt: skip


def test_outbox_documents_and_published_messages_hold_only_sealed_personal_data(runtime, kafka_bootstrap):
    account = str(uuid.uuid4())
    env = requested(account)
    runtime.store.append(env)
    stored = runtime.db.events.find_one({"event_id": env.event_id})
    text = json.dumps(stored, default=str)
    assert "+79165550001" not in text and "424242" not in text and "tok-secret-1" not in text
    assert is_sealed(stored["payload"]["code"]) and stored["payload"]["account_id"] == account
    assert runtime.store.load(env.stream_id)[0].payload["code"] == "424242"

    OutboxRelay(runtime.store, runtime.producer()).publish_pending()
    [record] = read_topic(kafka_bootstrap, runtime.topic(VERIFICATION), expect=1)
    assert b"424242" not in record.value and b"+79165550001" not in record.value
    assert decode(record.value).payload["destination"] == "+79165550001"

    runtime.keys.destroy(account)
    assert decode(record.value).payload["destination"] == ERASED
    assert runtime.store.load(env.stream_id)[0].payload["code"] == ERASED
