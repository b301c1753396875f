"""The mirror of the billing feed keeps prints and a sealed contract phone, never the holder in clear,
and a record read from it matches exactly whom the plain rule matches."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag

from billing_link.directory import to_record
from billing_link.domain import Person, Service, same_person
from billing_link.mirror import MirrorKeys
from kabinet.privacy.blind import BlindIndex

KEYS = MirrorKeys(BlindIndex(b"unit-test-index-key", "billing-mirror"))
NUMBER = "770012345678"
HOLDER = {
    "last_name": "Фёдорова",
    "first_name": "Ольга",
    "middle_name": "Николаевна",
    "birth_date": "1995-06-05",
}
PLAIN = [
    "Фёдорова",
    "Федорова",
    "федорова",
    "Ольга",
    "Николаевна",
    "1995-06-05",
    "+79174000004",
    "+79174000005",
]


def upserted(**overrides: Any) -> dict[str, Any]:
    """A directory document as the feed's BillingAccountUpserted writes it (before minimising)."""
    return {
        "_id": NUMBER, "region": "RU-TA", "service_type": "mobile", "identifiers": ["+79174000005"],
        "holder": HOLDER, "contract_phone": "+79174000004", "status": "active", **overrides,
    }  # fmt: skip


def stored(doc: dict[str, Any]) -> dict[str, Any]:
    update = KEYS.update(NUMBER, {"$set": {k: v for k, v in doc.items() if k != "_id"}})
    return {"_id": NUMBER, **update["$set"]}


def test_a_stored_document_holds_no_name_birth_date_or_phone():
    text = json.dumps(stored(upserted()), ensure_ascii=False).casefold()
    assert not [v for v in PLAIN if v.casefold() in text]
    assert stored(upserted())["minimised"] == 1


def test_storing_the_same_message_twice_writes_the_same_bytes():
    assert stored(upserted()) == stored(upserted())  # a redelivery or a rebuild changes nothing


def test_a_record_read_back_serves_the_phone_and_opens_the_contract_phone():
    record = to_record(stored(upserted()), KEYS)
    assert record is not None and record.contract_phone == "+79174000004"
    assert record.serves(Service("RU-TA", "mobile", "+79174000005"))
    assert not record.serves(Service("RU-TA", "mobile", "+79174000004"))


def holder_of_feed() -> Person:
    return Person("Фёдорова", "Ольга", date(1995, 6, 5), "Николаевна")


def born(**overrides: Any) -> Person:
    return replace(holder_of_feed(), **overrides)


@pytest.mark.parametrize(
    ("who", "matches"),
    [
        (born(last_name="ФЕДОРОВА", first_name=" ольга ", middle_name=None), True),
        (born(middle_name="николаевна"), True),
        (born(middle_name="Ивановна"), False),
        (born(first_name="Оля", middle_name=None), False),
        (born(last_name="Фёдоров"), False),
        (born(first_name=" "), False),
    ],
)
def test_the_holder_matches_by_prints_as_by_names(who, matches):
    record = to_record(stored(upserted()), KEYS)
    assert record is not None and record.held_by(who) is matches
    assert same_person(holder_of_feed(), who) is matches  # the plain rule agrees
    assert not record.held_by(replace(who, birth_date=date(1995, 6, 6)))


def test_another_key_gives_other_prints_and_cannot_open_the_contract_phone():
    other = MirrorKeys(BlindIndex(b"another-key", "billing-mirror"))
    mine, theirs = stored(upserted()), other.update(NUMBER, {"$set": upserted()})["$set"]
    assert mine["identifiers"] != theirs["identifiers"] and mine["holder"] != theirs["holder"]
    with pytest.raises(InvalidTag):  # a wrong key is a loud configuration error, not a silent mismatch
        to_record(mine, other)


def test_a_sealed_contract_phone_opens_only_for_its_account():
    sealed = KEYS.seal_phone(NUMBER, "+79174000004")
    assert KEYS.open_phone(NUMBER, sealed) == "+79174000004"
    with pytest.raises(InvalidTag):
        KEYS.open_phone("770099999999", sealed)


def test_a_released_number_is_pulled_as_its_print_and_as_written_before():
    update = KEYS.update(NUMBER, {"$pull": {"identifiers": "+79174000005"}, "$set": {"updated_at": 1}})
    assert "$pull" not in update and update["$set"] == {"updated_at": 1}
    [print_, plain] = update["$pullAll"]["identifiers"]
    assert plain == "+79174000005" and print_ == stored(upserted())["identifiers"][0]


def test_a_document_from_before_minimisation_reads_the_same_and_is_rewritten_minimised():
    legacy = upserted()
    assert to_record(legacy, KEYS) == to_record(stored(legacy), KEYS)
    rewrite = KEYS.plain_fields(legacy)
    assert rewrite is not None and {**legacy, **rewrite} == stored(legacy)
    assert KEYS.plain_fields(stored(legacy)) is None
