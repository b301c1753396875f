"""The account aggregate decides and evolves without any I/O."""

from __future__ import annotations

from datetime import date

import pytest

from identity import domain as d

ACC = "6f1c2b1e-3f4a-4c0d-9a51-2d7e8b9c0a11"


def profile(**overrides: object) -> d.Profile:
    fields: dict[str, object] = {
        "login": "ivanov.petr",
        "last_name": "Иванов",
        "first_name": "Пётр",
        "middle_name": "Сергеевич",
        "birth_date": date(1985, 4, 12),
        "region": "RU-MOW",
        **overrides,
    }
    return d.Profile(**fields)  # type: ignore[arg-type]


def register(**overrides: object) -> d.Register:
    fields: dict[str, object] = {
        "profile": profile(),
        "phone": "+79161234567",
        "email": "petr@example.ru",
        "confirm_via": "sms",
        "credential_id": "cred-1",
        **overrides,
    }
    return d.Register(**fields)  # type: ignore[arg-type]


def play(*commands: d.Command) -> tuple[d.Account | None, list[d.Event]]:
    state: d.Account | None = None
    last: list[d.Event] = []
    for command in commands:
        last = d.decide(state, command)
        for event in last:
            state = d.evolve(state, event, account_id=ACC)
    return state, last


def pending() -> d.Account:
    state, _ = play(register())
    assert state is not None
    return state


def active() -> d.Account:
    state, _ = play(register(), d.ConfirmContact("registration", "sms", "+79161234567"))
    assert state is not None
    return state


def test_a_registration_starts_a_pending_account():
    state = pending()
    assert state.status == "pending_confirmation"
    assert (state.phone, state.email) == (d.Contact("+79161234567"), d.Contact("petr@example.ru"))
    assert state.version == 1 and state.credential_id == "cred-1"


def test_an_account_cannot_be_registered_twice():
    with pytest.raises(d.LoginTaken):
        d.decide(pending(), register())


def test_confirming_the_registration_contact_activates_the_account():
    events = d.decide(pending(), d.ConfirmContact("registration", "sms", "+79161234567"))
    assert events == [d.Activated("sms", "+79161234567")]
    state = active()
    assert state.status == "active" and state.phone.confirmed and not state.email.confirmed


def test_a_redelivered_confirmation_decides_nothing():
    assert d.decide(active(), d.ConfirmContact("registration", "sms", "+79161234567")) == []


def test_a_confirmation_of_a_stale_contact_decides_nothing():
    assert d.decide(pending(), d.ConfirmContact("registration", "sms", "+79990000000")) == []


def test_the_second_registration_contact_is_verified_without_reactivating():
    events = d.decide(active(), d.ConfirmContact("registration", "email", "petr@example.ru"))
    assert events == [d.ContactVerified("email", "petr@example.ru")]


def test_a_contact_change_takes_effect_only_when_confirmed():
    state = active()
    requested = d.decide(state, d.RequestContactChange("req-1", "email", "new@example.ru"))
    assert requested == [d.ContactChangeRequested("req-1", "email", "new@example.ru", "petr@example.ru")]
    state = d.evolve(state, requested[0])
    assert state.email == d.Contact("petr@example.ru")  # the old one keeps working
    assert d.decide(state, d.ConfirmContact("contact_change", "email", "new@example.ru", "other")) == []
    changed = d.decide(state, d.ConfirmContact("contact_change", "email", "new@example.ru", "req-1"))
    assert changed == [d.ContactChanged("req-1", "email", "new@example.ru", "petr@example.ru")]
    state = d.evolve(state, changed[0])
    assert state.email == d.Contact("new@example.ru", True) and state.pending_changes == ()
    assert d.decide(state, d.ConfirmContact("contact_change", "email", "new@example.ru", "req-1")) == []


def test_asking_for_the_current_contact_changes_nothing():
    assert d.decide(active(), d.RequestContactChange("req-1", "phone", "+79161234567")) == []


def test_a_pending_account_cannot_change_its_password_or_contacts():
    with pytest.raises(d.AccountNotActive):
        d.decide(pending(), d.ChangePassword(True, "cred-2"))
    with pytest.raises(d.AccountNotActive):
        d.decide(pending(), d.RequestContactChange("r", "email", "x@example.ru"))


def test_a_password_change_needs_the_current_password():
    with pytest.raises(d.CurrentPasswordWrong):
        d.decide(active(), d.ChangePassword(False, "cred-2"))
    events = d.decide(active(), d.ChangePassword(True, "cred-2"))
    assert events == [d.PasswordChanged("change", "cred-2")]
    assert d.evolve(active(), events[0]).credential_id == "cred-2"


def test_a_password_reset_goes_to_a_confirmed_contact():
    assert d.decide(active(), d.RequestPasswordReset("r1")) == [
        d.PasswordResetRequested("r1", "sms", "+79161234567")
    ]
    # the email is not confirmed: asking by email still reaches the confirmed phone
    assert d.decide(active(), d.RequestPasswordReset("r2", "email"))[0].channel == "sms"
    with pytest.raises(d.NoConfirmedContact):
        d.decide(pending(), d.RequestPasswordReset("r3"))


def test_a_password_reset_completes_once_and_only_for_its_request():
    state = active()
    state = d.evolve(state, d.decide(state, d.RequestPasswordReset("r1"))[0])
    with pytest.raises(d.ResetNotRequested):
        d.decide(state, d.CompletePasswordReset("other", "cred-9"))
    done = d.decide(state, d.CompletePasswordReset("r1", "cred-9"))
    assert done == [d.PasswordChanged("recovery", "cred-9")]
    state = d.evolve(state, done[0])
    with pytest.raises(d.ResetNotRequested):
        d.decide(state, d.CompletePasswordReset("r1", "cred-10"))


def test_the_owner_hears_of_reuse_only_for_a_contact_they_confirmed():
    note = d.NoteContactReuse("sms", "+79161234567")
    assert d.decide(active(), note) == [d.ContactUsedAgain("sms", "+79161234567")]
    assert d.decide(pending(), note) == []
    assert d.decide(active(), d.NoteContactReuse("email", "petr@example.ru")) == []


def test_sign_in_judges_the_password_before_the_status():
    with pytest.raises(d.InvalidCredentials):
        d.check_sign_in(None, password_valid=True)
    with pytest.raises(d.InvalidCredentials):
        d.check_sign_in(pending(), password_valid=False)  # a pending account is not revealed
    with pytest.raises(d.ConfirmationRequired):
        d.check_sign_in(pending(), password_valid=True)
    assert d.check_sign_in(active(), password_valid=True).account_id == ACC


def test_commands_on_a_missing_account_fail():
    with pytest.raises(d.AccountNotFound):
        d.decide(None, d.ConfirmContact("registration", "sms", "+79161234567"))


def test_a_released_phone_is_no_longer_confirmed_and_never_gets_recovery():
    released = d.decide(active(), d.ReleaseNumber("+79161234567"))
    assert released == [d.PhoneReleased("+79161234567")]
    state = d.evolve(active(), released[0])
    assert state.phone == d.Contact("+79161234567", confirmed=False)
    with pytest.raises(d.NoConfirmedContact):
        d.decide(state, d.RequestPasswordReset("r1"))
    assert d.decide(state, d.ReleaseNumber("+79161234567")) == []  # a redelivery changes nothing


def test_releasing_someone_elses_number_changes_nothing():
    assert d.decide(active(), d.ReleaseNumber("+79990000000")) == []
    assert d.decide(pending(), d.ReleaseNumber("+79161234567")) == []  # never confirmed here


def test_notices_go_only_to_a_confirmed_contact_and_an_unchanged_choice_decides_nothing():
    with pytest.raises(d.ChannelNotConfirmed) as refused:
        d.decide(active(), d.ChangeNotificationSettings("email", True, "ru"))  # the email is not confirmed
    assert refused.value.field == "channel"
    quiet = d.decide(active(), d.ChangeNotificationSettings("sms", False, "en"))
    assert quiet == [d.NotificationSettingsChanged("sms", False, "en")]
    state = d.evolve(active(), quiet[0])
    assert state.profile.locale == "en"  # later events are in English
    assert d.decide(state, d.ChangeNotificationSettings("sms", False, "en")) == []
    both, _ = play(
        register(),
        d.ConfirmContact("registration", "sms", "+79161234567"),
        d.ConfirmContact("registration", "email", "petr@example.ru"),
    )
    assert d.decide(both, d.ChangeNotificationSettings("email", True, "ru")) == [
        d.NotificationSettingsChanged("email", True, "ru")
    ]


def test_a_pending_account_has_no_notice_settings_to_change():
    with pytest.raises(d.AccountNotActive):
        d.decide(pending(), d.ChangeNotificationSettings("sms", True, "ru"))


def test_a_released_phone_can_no_longer_be_chosen_for_notices():
    state = d.evolve(active(), d.PhoneReleased("+79161234567"))
    with pytest.raises(d.ChannelNotConfirmed):
        d.decide(state, d.ChangeNotificationSettings("sms", True, "ru"))
