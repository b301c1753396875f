"""Personal data in events: sealed on encode with the subject's key, opened on decode,
an erased placeholder once the key is destroyed, plain old events still readable."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

import pytest

from kabinet.contracts import REGISTRY, DecodeError, Envelope, decode, encode, new_envelope
from kabinet.contracts.codec import ContractViolation, encode_stored
from kabinet.privacy.crypto import ERASED, PREFIX, is_sealed
from kabinet.privacy.payload import KeyStoreMissing, pii_paths, use_keystore


def envelope(event_type: str, **overrides: Any) -> Envelope:
    payload = {**REGISTRY.latest(event_type).example, "account_id": str(uuid.uuid4()), **overrides}
    return new_envelope(
        event_type, payload, event_version=1, producer="identity",
        stream_id=f"account-{payload['account_id']}", stream_version=1, correlation_id="c",
    )  # fmt: skip


def wire_payload(env: Envelope) -> dict[str, Any]:
    return dict(json.loads(encode(env).value)["payload"])


def test_every_personal_field_leaves_sealed_and_the_subject_stays_clear(keys):
    env = envelope("UserRegistered")
    sent = wire_payload(env)
    for field in ("login", "last_name", "first_name", "middle_name", "birth_date", "phone", "email"):
        assert is_sealed(sent[field]), field
    assert sent["account_id"] == env.payload["account_id"]
    assert sent["region"] == "RU-MOW"
    raw = encode(env).value.decode()
    for field in ("last_name", "phone", "email"):
        assert env.payload[field] not in raw


def test_a_consumer_reads_the_plain_values_back(keys):
    env = envelope("UserRegistered")
    assert decode(encode(env).value).payload == {**env.payload}


def test_after_the_keys_are_destroyed_personal_fields_read_as_erased_and_nothing_fails(keys):
    env = envelope("VerificationRequested")
    wire = encode(env)
    keys.destroy(env.payload["account_id"])
    payload = decode(wire.value).payload
    assert payload["destination"] == ERASED and payload["code"] == ERASED
    assert payload["challenge_id"] == env.payload["challenge_id"]


def test_events_about_an_erased_subject_are_written_with_placeholders(keys):
    env = envelope("ContactChanged")
    keys.destroy(env.payload["account_id"])
    assert wire_payload(env)["value"] == ERASED


def test_plain_events_from_before_encryption_still_decode(keys):
    env = envelope("UserRegistered")
    use_keystore(None)
    old = encode(env)
    use_keystore(keys)
    assert PREFIX not in old.value.decode()
    assert decode(old.value).payload["last_name"] == env.payload["last_name"]


def test_a_sealed_value_is_bound_to_its_subject(keys):
    mine, theirs = envelope("UserRegistered"), envelope("UserRegistered")
    stolen = wire_payload(mine)["phone"]
    forged = json.loads(encode(theirs).value)
    forged["payload"]["phone"] = stolen.replace(mine.payload["account_id"], theirs.payload["account_id"])
    with pytest.raises(DecodeError):
        decode(json.dumps(forged).encode())


def test_re_encoding_a_stored_sealed_payload_keeps_it_sealed_as_it_is(keys):
    env = envelope("ServiceAdded")
    stored = wire_payload(env)
    again = wire_payload(
        new_envelope("ServiceAdded", stored, event_version=1, producer="billing-link",
                     stream_id=env.stream_id, stream_version=1, correlation_id="c")
    )  # fmt: skip
    assert again == stored


def test_the_relay_publishes_a_stored_event_as_stored_sealing_only_what_is_plain(keys):
    env = envelope("UserRegistered")
    stored = {**wire_payload(env), "email": "old.plain@example.ru", "added_by_a_later_deploy": 1}
    from_outbox = replace(env, payload=stored)
    with pytest.raises(ContractViolation):  # what the store validated is not validated again
        encode(from_outbox)
    sent = json.loads(encode_stored(from_outbox).value)["payload"]
    assert is_sealed(sent["email"]) and sent["added_by_a_later_deploy"] == 1
    assert {k: v for k, v in sent.items() if k != "email"} == {
        k: v for k, v in stored.items() if k != "email"
    }
    assert decode(encode_stored(from_outbox).value).payload["email"] == "old.plain@example.ru"


def test_without_a_key_store_sealed_values_are_refused_loudly_not_dead_lettered(keys):
    wire = encode(envelope("UserRegistered"))
    use_keystore(None)
    with pytest.raises(KeyStoreMissing):
        decode(wire.value)


def test_a_subject_less_payload_is_sealed_under_its_stream(keys):
    env = envelope("LoginFailed", account_id=None)
    sent = wire_payload(env)
    assert sent["ip"].startswith(f"{PREFIX}security:{env.stream_id}:")


def test_contracts_mark_names_contacts_addresses_and_secrets_as_personal_data():
    marked = {p[0] for p, _ in pii_paths(REGISTRY.latest("UserRegistered").schema)}
    assert {"last_name", "first_name", "middle_name", "birth_date", "phone", "email"} <= marked
    secrets = dict(pii_paths(REGISTRY.latest("VerificationRequested").schema))
    assert secrets[("code",)] == "secret" and secrets[("link_token",)] == "secret"
    assert pii_paths(REGISTRY.latest("BillingAccountUpserted").schema) == ()  # the billing system's feed


def test_failed_sign_ins_of_no_account_share_their_days_key_instead_of_making_one_each(keys):
    from kabinet.privacy.crypto import parse

    def failed(stream: str, account_id: str | None) -> str:
        env = new_envelope(
            "LoginFailed", {**REGISTRY.latest("LoginFailed").example, "account_id": account_id},
            event_version=1, producer="identity", stream_id=stream, stream_version=1, correlation_id="c",
        )  # fmt: skip
        return parse(wire_payload(env)["login_key"]).subject

    day = "audit-20261125"
    assert failed(f"{day}-{uuid.uuid4()}", None) == failed(f"{day}-{uuid.uuid4()}", None) == day
    assert failed(f"audit-20261126-{uuid.uuid4()}", None) == "audit-20261126"
    known = str(uuid.uuid4())
    assert failed(f"audit-{uuid.uuid4()}", known) == known  # an account's attempt: the account's key
    old = f"audit-{uuid.uuid4()}"
    assert failed(old, None) == old  # streams named before days: their own key, as they were sealed
    digits = "audit-99792092-e1b5-4c2d-9a39-66409d8d8d11"  # an old one whose id begins with 8 digits
    assert failed(digits, None) == digits
