"""Erasure in the account aggregate, and an erased account's stream read back after crypto-shredding."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from identity import domain as d
from identity.codec import from_envelope, to_payload
from kabinet.contracts import new_envelope
from kabinet.privacy.crypto import ERASED

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ACC = "6f1c2b1e-3f4a-4c0d-9a51-2d7e8b9c0a11"
PROFILE = d.Profile("ivanov.petr", "Иванов", "Пётр", "Сергеевич", date(1985, 4, 12), "RU-MOW")


def register() -> d.Register:
    return d.Register(PROFILE, "+79161234567", "petr@example.ru", "sms", "cred-1")


def play(*commands: d.Command) -> tuple[d.Account | None, list[d.Event]]:
    state: d.Account | None = None
    last: list[d.Event] = []
    for command in commands:
        last = d.decide(state, command)
        for event in last:
            state = d.evolve(state, event, account_id=ACC)
    return state, last


def test_an_account_is_erased_once_and_then_refuses_everything():
    state, events = play(register(), d.Erase("subscriber", NOW))
    assert events == [d.Erased("subscriber", NOW)] and state is not None and state.status == "erased"
    assert d.decide(state, d.Erase("operator", NOW)) == []
    with pytest.raises(d.AccountNotFound):
        d.decide(state, d.RequestPasswordReset("r1"))
    with pytest.raises(d.AccountNotFound):
        d.decide(state, d.ConfirmContact("registration", "sms", "+79161234567"))
    with pytest.raises(d.InvalidCredentials):
        d.check_sign_in(state, password_valid=True)


def test_a_shredded_stream_still_folds_into_an_erased_account():
    registered = to_payload(ACC, None, d.Registered(PROFILE, "+79161234567", "petr@example.ru", "sms", "c"))[
        1
    ]
    shredded = {k: (ERASED if k in ("last_name", "phone", "email", "birth_date", "login") else v)
                for k, v in registered.items()}  # fmt: skip
    erased = to_payload(ACC, None, d.Erased("operator", NOW))
    envs = [
        new_envelope("UserRegistered", shredded, event_version=1, producer="identity",
                     stream_id=f"account-{ACC}", stream_version=1, correlation_id="c"),
        new_envelope(erased[0], erased[1], event_version=1, producer="identity",
                     stream_id=f"account-{ACC}", stream_version=2, correlation_id="c"),
    ]  # fmt: skip
    events = [e for e in map(from_envelope, envs) if e is not None]
    state = d.fold(events, account_id=ACC)
    assert state is not None and state.status == "erased" and state.profile.birth_date == date.min
