"""Exactly one message per event, retries with back-off, permanent failures, outcome events."""

from __future__ import annotations

import uuid

import pytest

from notifier.senders import OutcomeUnknown, PermanentSendError, TransientSendError


def code_event(event, **overrides):
    return event(
        "VerificationRequested", challenge_id=str(uuid.uuid4()), account_id=str(uuid.uuid4()), **overrides
    )


def test_a_code_goes_out_once_even_when_the_event_is_redelivered(rig, event):
    requested = code_event(event, code="402913", channel="sms", destination="+79160000001")
    rig.notifier.handle(requested)
    rig.notifier.handle(requested)
    [(message, message_id)] = rig.sms.sent
    assert message.to == "+79160000001" and "402913" in message.text
    [(kind, payload)] = rig.outcomes.events.values()
    assert kind == "NotificationSent" and payload["to_masked"] == "+7916*****01"
    assert payload["notification_id"] == message_id and payload["cause_event_id"] == requested.event_id
    assert "message" not in rig.log.docs[requested.event_id]  # the code is not kept once sent


def test_an_email_code_carries_the_confirmation_link(rig, event):
    rig.notifier.handle(
        code_event(event, channel="email", destination="a@example.ru", link_token="t" * 32, locale="en")
    )
    [(message, _)] = rig.email.sent
    assert message.subject == "Kabinet: your registration code"
    assert f"https://kabinet.example/confirm?token={'t' * 32}" in message.text
    assert message.html and "<b>402913</b>" in message.html


def test_a_transient_failure_is_retried_with_back_off_and_delivered(rig, event):
    rig.sms.failures = [TransientSendError("gateway down"), TransientSendError("still down")]
    rig.notifier.handle(code_event(event))
    assert rig.sms.sent == [] and not rig.delivery.retry_due()  # first retry after 2 s
    rig.clock.advance(seconds=2)
    assert rig.delivery.retry_due() and rig.sms.sent == []
    rig.clock.advance(seconds=3)
    assert not rig.delivery.retry_due()  # the second wait is 4 s
    rig.clock.advance(seconds=1)
    assert rig.delivery.retry_due()
    assert len(rig.sms.sent) == 1
    [(kind, _)] = rig.outcomes.events.values()
    assert kind == "NotificationSent"


def test_retries_give_up_with_notification_failed(rig, event):
    rig.sms.failures = [TransientSendError("down")] * 4
    rig.notifier.handle(code_event(event))
    for _ in range(3):
        rig.clock.advance(minutes=5)
        rig.delivery.retry_due()
    [(kind, payload)] = rig.outcomes.events.values()
    assert kind == "NotificationFailed" and payload["attempts"] == 4 and payload["error"] == "down"
    assert rig.sms.sent == []


def test_a_permanent_failure_fails_at_once(rig, event):
    rig.email.failures = [PermanentSendError("SMTP 550 mailbox unavailable")]
    rig.notifier.handle(code_event(event, channel="email", destination="gone@example.ru"))
    [(kind, payload)] = rig.outcomes.events.values()
    assert (kind, payload["attempts"]) == ("NotificationFailed", 1)
    assert not rig.delivery.retry_due()


def test_a_crash_after_the_send_never_sends_it_again_and_reports_it_unknown(rig, event, caplog):
    requested = code_event(event)
    rig.sms.after = [SystemExit("killed after the message left, before its outcome was stored")]
    with pytest.raises(SystemExit):
        rig.notifier.handle(requested)
    rig.notifier.handle(requested)  # redelivered after the restart while the claim's lease runs
    assert not rig.delivery.retry_due() and rig.log.docs[requested.event_id]["state"] == "sending"
    rig.clock.advance(seconds=61)
    rig.notifier.handle(requested)  # redelivered after the lease: outcome unknown, not resent
    doc = rig.log.docs[requested.event_id]
    assert doc["state"] == "unknown" and "message" not in doc  # the code is not kept
    assert not rig.delivery.retry_due()
    assert len(rig.sms.sent) == 1 and rig.outcomes.events == {}
    assert "notification outcome unknown" in caplog.text


def test_a_dead_claim_is_settled_by_the_retrier_too(rig, event):
    requested = code_event(event)
    rig.sms.failures = [SystemExit("the process died mid-attempt")]
    with pytest.raises(SystemExit):
        rig.notifier.handle(requested)
    assert not rig.delivery.retry_due()  # a live lease: its sender may still answer
    rig.clock.advance(seconds=61)
    assert rig.delivery.retry_due() and not rig.delivery.retry_due()
    assert rig.log.docs[requested.event_id]["state"] == "unknown" and rig.sms.sent == []


def test_a_gateway_that_took_the_request_but_never_answered_is_not_asked_again(rig, event):
    rig.sms.failures = [OutcomeUnknown("SMS gateway gave no answer: ReadTimeout")]
    requested = code_event(event)
    rig.notifier.handle(requested)
    rig.clock.advance(minutes=10)
    assert not rig.delivery.retry_due()
    rig.notifier.handle(requested)
    assert rig.sms.sent == [] and rig.log.docs[requested.event_id]["state"] == "unknown"
    assert rig.outcomes.events == {}


def test_with_a_gateway_that_drops_repeats_a_crash_after_the_send_ends_in_exactly_one_message(
    idempotent_rig, event
):
    rig = idempotent_rig
    requested = code_event(event)
    rig.sms.after = [SystemExit("killed after the message left, before its outcome was stored")]
    with pytest.raises(SystemExit):
        rig.notifier.handle(requested)
    rig.clock.advance(seconds=61)
    rig.notifier.handle(requested)  # redelivered after the lease: due again, not unknown
    assert rig.log.docs[requested.event_id]["state"] == "retry"
    assert rig.delivery.retry_due()  # sent again; the gateway drops the repeat
    assert len(rig.sms.sent) == 1 and rig.log.docs[requested.event_id]["state"] == "sent"
    [(kind, _)] = rig.outcomes.events.values()
    assert kind == "NotificationSent"


def test_with_a_gateway_that_drops_repeats_the_retrier_sends_a_dead_claim_again(idempotent_rig, event):
    rig = idempotent_rig
    requested = code_event(event)
    rig.sms.failures = [SystemExit("the process died mid-attempt")]
    with pytest.raises(SystemExit):
        rig.notifier.handle(requested)
    rig.clock.advance(seconds=61)
    assert rig.delivery.retry_due()  # the dead claim: due again
    assert rig.delivery.retry_due() and not rig.delivery.retry_due()  # attempted: sent
    assert [mid for _, mid in rig.sms.sent] == [rig.log.docs[requested.event_id]["notification_id"]]
    assert rig.log.docs[requested.event_id]["state"] == "sent"


def test_with_a_gateway_that_drops_repeats_no_answer_is_retried(idempotent_rig, event):
    rig = idempotent_rig
    rig.sms.failures = [OutcomeUnknown("SMS gateway gave no answer: ReadTimeout")]
    requested = code_event(event)
    rig.notifier.handle(requested)
    assert rig.log.docs[requested.event_id]["state"] == "retry"
    rig.clock.advance(minutes=10)
    assert rig.delivery.retry_due()
    assert len(rig.sms.sent) == 1 and rig.log.docs[requested.event_id]["state"] == "sent"


def test_email_is_never_sent_again_when_its_outcome_is_unknown(idempotent_rig, event):
    rig = idempotent_rig
    requested = code_event(event, channel="email", destination="owner@example.ru")
    rig.email.after = [SystemExit("killed after the message left")]
    with pytest.raises(SystemExit):
        rig.notifier.handle(requested)
    rig.clock.advance(seconds=61)
    assert rig.delivery.retry_due() and not rig.delivery.retry_due()
    assert rig.log.docs[requested.event_id]["state"] == "unknown" and len(rig.email.sent) == 1


def test_an_error_before_sending_releases_the_claim_and_the_retry_sends_once(rig, event):
    requested = code_event(event)
    rig.sms.failures = [TransientSendError("connection refused")]
    rig.notifier.handle(requested)
    assert rig.log.docs[requested.event_id]["state"] == "retry"
    rig.clock.advance(seconds=2)
    rig.notifier.handle(requested)  # a redelivery leaves a scheduled retry to the retrier
    assert rig.delivery.retry_due() and not rig.delivery.retry_due()
    rig.clock.advance(minutes=5)
    rig.notifier.handle(requested)
    assert not rig.delivery.retry_due()
    assert len(rig.sms.sent) == 1 and rig.log.docs[requested.event_id]["state"] == "sent"
    [(kind, _)] = rig.outcomes.events.values()
    assert kind == "NotificationSent"


def test_account_notices_go_to_the_confirmed_contact_in_the_account_locale(rig, event):
    account = str(uuid.uuid4())
    rig.notifier.handle(event("UserRegistered", account_id=account, email="me@example.ru", locale="en"))
    rig.notifier.handle(event("PasswordChanged", account_id=account, reason="change", locale="en"))
    assert rig.sent() == []  # no confirmed contact yet: nothing goes to a maybe-foreign address
    rig.notifier.handle(
        event("AccountActivated", account_id=account, channel="email", destination="me@example.ru")
    )
    rig.notifier.handle(event("PasswordChanged", account_id=account, reason="recovery", locale="en"))
    [message] = rig.sent()
    assert message.to == "me@example.ru" and message.subject == "Kabinet: password changed"


def test_the_old_contact_hears_of_a_contact_change(rig, event):
    rig.notifier.handle(
        event(
            "ContactChangeRequested",
            account_id=str(uuid.uuid4()),
            kind="phone",
            value="+79990000000",
            previous_value="+79161234567",
            confirm_via="sms",
        )
    )
    [message] = rig.sent()
    assert message.to == "+79161234567" and "смена телефона" in message.text


def test_a_low_balance_crossing_is_announced_once_on_the_preferred_channel(rig, event):
    account = str(uuid.uuid4())
    rig.notifier.handle(
        event("AccountActivated", account_id=account, channel="sms", destination="+79160000002")
    )
    crossing = event(
        "ServiceBalanceLow", account_id=account, account_number="770099",
        balance={"amount": "40.00", "currency": "RUB"},
    )  # fmt: skip
    rig.notifier.handle(crossing)
    rig.notifier.handle(crossing)  # redelivered
    [low] = rig.sent()
    assert low.to == "+79160000002" and "40.00 RUB" in low.text and "770099" in low.text


def test_a_recovery_code_reminds_the_login_and_a_registration_code_does_not(rig, event):
    account = str(uuid.uuid4())
    rig.notifier.handle(event("UserRegistered", account_id=account, login="ivanov.petr"))
    registration = code_event(event, code="402913", channel="sms", destination="+79160000001")
    rig.notifier.handle(registration)
    for channel, to in (("sms", "+79160000001"), ("email", "petr@example.ru")):
        rig.notifier.handle(
            event("VerificationRequested", challenge_id=str(uuid.uuid4()), account_id=account,
                  purpose="password_reset", code="551203", channel=channel, destination=to)
        )  # fmt: skip
    first, reset_sms = (m for m, _ in rig.sms.sent)
    assert "ivanov.petr" not in first.text
    assert reset_sms.text.startswith("Kabinet: код 551203 для восстановления пароля. Ваш логин: ivanov.petr.")
    [(letter, _)] = rig.email.sent
    assert "Ваш логин: ivanov.petr" in letter.text and "<b>ivanov.petr</b>" in letter.html
