"""The account's domain events become their public contracts and come back unchanged."""

from __future__ import annotations

from identity import domain as d
from identity.codec import from_envelope, to_payload
from kabinet.contracts import REGISTRY, new_envelope
from kabinet.contracts.base import strict

ACC = "6f1c2b1e-3f4a-4c0d-9a51-2d7e8b9c0a11"


def test_a_notice_settings_change_is_a_valid_contract_and_reads_back():
    event = d.NotificationSettingsChanged("email", False, "en")
    event_type, payload = to_payload(ACC, None, event)
    with strict():
        assert REGISTRY.latest(event_type).schema().validate(payload) == {}
    env = new_envelope(event_type, payload, event_version=1, producer="identity",
                       stream_id=f"account-{ACC}", stream_version=3, correlation_id="c")  # fmt: skip
    assert from_envelope(env) == event
