"""Pure rules: masking, back-off, delivery decisions, contacts read model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notifier.domain import Backoff, after_attempt, contact_update, mask, on_repeat


def test_destinations_are_masked_for_events_and_logs():
    assert mask("sms", "+79161234567") == "+7916*****67"
    assert mask("email", "petr@example.ru") == "p***@example.ru"


def test_back_off_doubles_up_to_a_cap():
    b = Backoff(base=timedelta(seconds=2), cap=timedelta(seconds=10), max_attempts=5)
    assert [b.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 10]
    assert not b.exhausted(4) and b.exhausted(5)


def test_confirmed_contacts_come_from_identity_events():
    assert contact_update("AccountActivated", {"channel": "sms", "destination": "+7916"}) == {
        "phone": "+7916",
        "confirmed_sms": True,
        "preferred": "sms",
    }
    assert contact_update("ContactChanged", {"kind": "email", "value": "n@x.ru"}) == {
        "email": "n@x.ru",
        "confirmed_email": True,
    }
    assert contact_update("PasswordChanged", {"account_id": "a"}) is None


def test_a_released_phone_is_told_by_email_only_when_the_email_is_confirmed():
    from notifier.domain import Contacts, plan

    account = "6f1c2b1e-3f4a-4c0d-9a51-2d7e8b9c0a11"
    p = {"account_id": account, "kind": "phone", "value": "+79161234567", "reason": "number_released"}
    told = plan("e1", "ContactReleased", p, Contacts(account, None, "a@b.ru", email_confirmed=True))
    assert [(n.channel, n.to, n.template) for n in told] == [("email", "a@b.ru", "contact_released")]
    assert plan("e1", "ContactReleased", p, Contacts(account, None, "a@b.ru")) == []


def test_only_an_attempt_that_surely_sent_nothing_is_retried():
    b = Backoff(max_attempts=3)
    assert after_attempt(None, 1, b) == "sent"
    assert after_attempt("transient", 1, b) == "retry"
    assert after_attempt("transient", 3, b) == "failed"  # retries exhausted
    assert after_attempt("permanent", 1, b) == "failed"
    assert after_attempt("unknown", 1, b) == "unknown"  # it may have left: never resent


def test_a_notice_seen_again_emits_a_known_outcome_and_expires_only_a_dead_claim():
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    earlier, later = now - timedelta(seconds=1), now + timedelta(seconds=1)
    assert on_repeat("sent", later, now) == on_repeat("failed", earlier, now) == "emit"
    assert on_repeat("sending", later, now) == "wait"  # its sender may still answer
    assert on_repeat("sending", earlier, now) == on_repeat("sending", now, now) == "expire"
    assert on_repeat("retry", earlier, now) == "wait"  # the retrier owns it
    assert on_repeat("unknown", earlier, now) == "wait"  # reported once, never resent


def test_the_messages_consumer_reads_every_type_that_can_call_for_a_message():
    from kabinet.contracts import REGISTRY
    from notifier.consumers import CONSUMERS
    from notifier.domain import Contacts, plan

    wanted = CONSUMERS["messages"].event_types
    everything = Contacts("a", "+79161234567", "p@example.ru", "ru", "sms", email_confirmed=True)
    for spec in REGISTRY:
        payload = {**spec.example, "account_id": "a"}
        if spec.event_type not in wanted:
            assert plan("e", spec.event_type, payload, everything) == [], spec.event_type
    assert "AccountErased" in wanted


def test_account_notices_follow_the_subscribers_choice_and_only_low_balance_can_be_silenced():
    from notifier.domain import plan, to_contacts

    account = "6f1c2b1e-3f4a-4c0d-9a51-2d7e8b9c0a11"
    doc = {"_id": account, "phone": "+79161234567", "email": "a@b.ru", "preferred": "sms"}
    doc |= {"confirmed_sms": True, "confirmed_email": True}
    doc |= (
        contact_update(
            "NotificationSettingsChanged", {"channel": "email", "low_balance": False, "locale": "en"}
        )
        or {}
    )
    contacts = to_contacts(doc)
    low = {"account_id": account, "balance": {"amount": "12.00", "currency": "RUB"}, "account_number": "1"}
    assert plan("e1", "ServiceBalanceLow", low, contacts) == []
    changed = plan("e2", "PasswordChanged", {"account_id": account, "reason": "change"}, contacts)
    assert [(n.channel, n.to, n.template, n.locale) for n in changed] == [
        ("email", "a@b.ru", "password_changed", "en")
    ]

    doc |= (
        contact_update("NotificationSettingsChanged", {"channel": "sms", "low_balance": True, "locale": "ru"})
        or {}
    )
    told = plan("e3", "ServiceBalanceLow", low, to_contacts(doc))
    assert [(n.channel, n.to, n.template) for n in told] == [("sms", "+79161234567", "low_balance")]
