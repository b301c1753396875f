"""Event contracts: examples decode, produce is strict, consume is tolerant, versions upcast."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kabinet.contracts import (
    REGISTRY,
    ContractViolation,
    DecodeError,
    Envelope,
    decode,
    encode,
    new_envelope,
    topics,
)
from kabinet.contracts.accounts import AUDIT_EVENTS, UserRegisteredV1
from kabinet.contracts.registry import EventSpec, Registry
from kabinet.contracts.topics import ALL

API_EVENTS = {
    "UserRegistered", "ContactChangeRequested", "VerificationRequested", "ContactConfirmed",
    "VerificationFailed", "PasswordChanged", "PasswordResetRequested", "ServiceLinkRequested",
    "ServiceAdded", "ServiceRemoved", "NotificationSent", "NotificationFailed",
    "BillingAccountUpserted", "BalanceChanged", "AccountStatusChanged", "NumberReleased",
}  # fmt: skip


def envelope_of(spec: EventSpec, **overrides: Any) -> Envelope:
    fields: dict[str, Any] = {
        "event_version": spec.version, "producer": spec.producer, "stream_id": "s-1",
        "stream_version": 1, "correlation_id": "corr-1",
    }  # fmt: skip
    payload = overrides.pop("payload", spec.example)
    fields.update(overrides)
    return new_envelope(spec.event_type, payload, **fields)


def test_every_event_of_the_public_contract_is_registered():
    assert {spec.event_type for spec in REGISTRY} >= API_EVENTS


def test_every_registered_topic_follows_the_naming_rule():
    for spec in REGISTRY:
        assert spec.topic in ALL
        assert spec.topic == "billing.accounts.events" or spec.topic.startswith("kabinet.")


@pytest.mark.parametrize("spec", list(REGISTRY), ids=lambda s: f"{s.event_type}.v{s.version}")
def test_example_round_trips_through_the_wire(spec: EventSpec):
    wire = encode(envelope_of(spec))
    decoded = decode(wire.value)
    assert decoded.payload == spec.example
    assert wire.key == b"s-1"
    assert (("event_type", spec.event_type.encode())) in wire.headers
    assert json.loads(wire.value)["occurred_at"].endswith("Z")


def test_producing_an_unknown_field_is_refused():
    spec = REGISTRY.latest("UserRegistered")
    with pytest.raises(ContractViolation, match="nickname"):
        encode(envelope_of(spec, payload={**spec.example, "nickname": "pete"}))


def test_producing_an_unknown_nested_field_is_refused():
    spec = REGISTRY.latest("BillingAccountUpserted")
    holder = {**spec.example["holder"], "passport": "4510 123456"}
    with pytest.raises(ContractViolation, match="passport"):
        encode(envelope_of(spec, payload={**spec.example, "holder": holder}))


def test_producing_a_missing_required_field_is_refused():
    spec = REGISTRY.latest("ContactConfirmed")
    payload = {k: v for k, v in spec.example.items() if k != "account_id"}
    with pytest.raises(ContractViolation, match="account_id"):
        encode(envelope_of(spec, payload=payload))


def test_consuming_ignores_unknown_fields_at_every_level():
    spec = REGISTRY.latest("BillingAccountUpserted")
    body = json.loads(encode(envelope_of(spec)).value)
    body["added_later"] = 1
    body["payload"]["new_field"] = "x"
    body["payload"]["holder"]["nickname"] = "x"
    decoded = decode(json.dumps(body).encode())
    assert decoded.payload == spec.example


@pytest.mark.parametrize(
    "value",
    [b"", b"not json", b"[]", b'{"event_type": "UserRegistered"}', None],
)
def test_garbage_is_a_decode_error(value: bytes | None):
    with pytest.raises(DecodeError):
        decode(value)


def test_an_invalid_payload_is_a_decode_error():
    spec = REGISTRY.latest("UserRegistered")
    body = json.loads(encode(envelope_of(spec)).value)
    body["payload"]["phone"] = "8 916 123"
    with pytest.raises(DecodeError, match="phone"):
        decode(json.dumps(body).encode())


def test_an_unknown_event_type_is_a_decode_error():
    spec = REGISTRY.latest("UserRegistered")
    body = json.loads(encode(envelope_of(spec)).value)
    body["event_type"] = "SomethingElse"
    with pytest.raises(DecodeError, match="SomethingElse"):
        decode(json.dumps(body).encode())


def test_an_old_version_is_upcast_on_consume():
    registry = Registry()
    example_v2 = dict(REGISTRY.latest("UserRegistered").example)
    registry.register(EventSpec("UserRegistered", 1, UserRegisteredV1, "t", "identity", {}))
    registry.register(EventSpec("UserRegistered", 2, UserRegisteredV1, "t", "identity", example_v2))

    @registry.upcaster("UserRegistered", 1)
    def rename_surname(payload: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in payload.items() if k != "surname"}
        return {**out, "last_name": payload["surname"]}

    v1 = {k: v for k, v in example_v2.items() if k != "last_name"} | {"surname": "Петров"}
    body = json.loads(encode(envelope_of(REGISTRY.latest("UserRegistered"))).value)
    body["payload"] = v1
    decoded = decode(json.dumps(body).encode(), registry)
    assert decoded.event_version == 2
    assert decoded.payload["last_name"] == "Петров"


def test_the_asyncapi_document_describes_every_event_on_its_topic():
    from kabinet.contracts.asyncapi import document

    doc = document()
    for spec in REGISTRY:
        key = f"{spec.event_type}.v{spec.version}"
        assert key in doc["channels"][spec.topic]["messages"]
        payload = doc["components"]["messages"][key]["payload"]
        assert set(payload["required"]) <= set(payload["properties"])


def test_audit_events_are_registered_types_of_the_accounts_topic():
    assert REGISTRY.types_on(topics.ACCOUNTS) >= AUDIT_EVENTS
    assert "UserRegistered" in REGISTRY.types_on(topics.ACCOUNTS) - AUDIT_EVENTS
