"""Delivery: at most one message per notice key, retried only when it surely did not leave.

Each attempt runs under a claim (`state: sending`, a lease in `next_at`) in the notification
log. A sender error before anything left releases the claim for a retry (`retry`); success
marks it `sent`. A claim whose lease ran out without an outcome means its sender died
mid-attempt: the message may or may not have left, so it is marked `unknown` and reported
for operators instead of being sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from kabinet.contracts import Envelope
from kabinet.mongo import Doc
from kabinet.privacy.crypto import ERASED, is_opaque
from notifier.domain import (
    ACCOUNT_NOTICES,
    Backoff,
    Notice,
    after_attempt,
    mask,
    on_repeat,
    plan,
    recovery_code,
)
from notifier.render import Message, Renderer
from notifier.senders import Sender, SendError
from notifier.sms_parts import sms_segments

log = logging.getLogger(__name__)
# a claim without an outcome this long: its sender died mid-attempt (far above the send timeouts)
LEASE = timedelta(seconds=60)


class Log(Protocol):
    """The notification log (Mongo, or a fake in unit tests)."""

    def claim_new(self, key: str, record: Mapping[str, Any]) -> bool: ...
    def get(self, key: str) -> Doc | None: ...
    def claim_due(self, now: datetime, lease_until: datetime) -> Doc | None: ...
    def resend_claim(self, now: datetime, channels: Collection[str], key: str | None = None) -> bool: ...
    def expire_claim(
        self, now: datetime, key: str | None = None, *, keep: Collection[str] = ()
    ) -> Doc | None: ...
    def schedule_retry(self, key: str, at: datetime, error: str) -> None: ...
    def finish(self, key: str, state: str, at: datetime, error: str | None = None) -> None: ...
    def forget(self, account_id: str) -> None: ...


class OutcomeSink(Protocol):
    """Where NotificationSent / NotificationFailed go."""

    def record(self, event_type: str, payload: Mapping[str, Any], *, causation: str | None) -> None: ...


class Delivery:
    """Sends claimed notices through the channel's sender and records the outcome."""

    def __init__(
        self,
        log_: Log,
        senders: Mapping[str, Sender],
        outcomes: OutcomeSink,
        *,
        clock: Callable[[], datetime],
        backoff: Backoff,
        on_sent: Callable[[Doc], None] | None = None,
    ) -> None:
        self.log, self._senders, self._outcomes = log_, senders, outcomes
        self._on_sent = on_sent  # after NotificationSent is stored (SMS receipts settle then)
        self._clock, self._backoff = clock, backoff
        # channels whose far side drops a repeated message id: an unknown outcome is sent again
        self._resendable = frozenset(ch for ch, s in senders.items() if getattr(s, "idempotent", False))

    def first(self, notice: Notice, message: Message, *, erased: Callable[[str], bool] | None = None) -> None:
        """Deliver a notice seen for the first time; a repeat only completes what a crash left undone.

        `erased` is asked once a new claim is written, the one look at the account's erasure:
        for an account erased before, or meanwhile (AccountErased in another lane, forgetting the
        log just before the claim), nothing is sent and the account's log is forgotten again,
        this claim with it. Looking after the claim only costs a claim and a render for an
        erased account (rare); looking before as well cost every notice a round trip.
        """
        now = self._clock()
        record = _record(notice, message, now, now + LEASE)
        if self.log.claim_new(notice.key, record):
            if erased is not None and notice.account_id and erased(notice.account_id):
                self.log.forget(notice.account_id)
                return
            self.attempt({"_id": notice.key, **record})
            return
        doc = self.log.get(notice.key)
        action = on_repeat(doc["state"], doc["next_at"], now) if doc else "wait"
        if doc and action == "emit":
            self._emit(doc, doc["state"], doc.get("error"))  # the outcome may not be stored yet
        elif action == "expire":
            self._settle_dead(now, notice.key)

    def retry_due(self) -> bool:
        """Settle one dead claim or attempt one due retry; False when there is nothing to do."""
        now = self._clock()
        if self.log.resend_claim(now, self._resendable):
            return True
        dead = self.log.expire_claim(now, keep=self._resendable)
        if dead is not None:
            self._unknown(dead)
            return True
        doc = self.log.claim_due(now, now + LEASE)
        if doc is None:
            return False
        self.attempt(doc)
        return True

    def attempt(self, doc: Doc) -> None:
        """One delivery attempt of a claimed notice."""
        m = doc["message"]
        message = Message(doc["channel"], doc["to"], m.get("subject", ""), m["text"], m.get("html"))
        kind, error = None, None
        try:
            self._senders[doc["channel"]].send(message, message_id=doc["notification_id"])
        except SendError as exc:
            kind, error = exc.kind, str(exc)
        # any other exception leaves the claim as a crash would: `unknown` once its lease ends
        if kind == "unknown" and doc["channel"] in self._resendable:
            kind = "transient"  # the far side drops the repeat if this one did arrive
        state = after_attempt(kind, doc["attempts"], self._backoff)
        if state == "retry":
            at = self._clock() + self._backoff.delay(doc["attempts"])
            self.log.schedule_retry(doc["_id"], at, error or "")
            log.warning("delivery deferred", extra=_log(doc, error=error, retry_at=at.isoformat()))
        else:
            self._finish(doc, state, error)

    def _finish(self, doc: Doc, state: str, error: str | None) -> None:
        self.log.finish(doc["_id"], state, self._clock(), error)
        if state == "unknown":
            self._unknown({**doc, "error": error})
            return
        self._emit(doc, state, error)
        (log.info if state == "sent" else log.error)(f"notification {state}", extra=_log(doc, error=error))

    def _settle_dead(self, now: datetime, key: str) -> None:
        """A claim whose sender died: sent again where repeats are dropped, else reported unknown."""
        if not self.log.resend_claim(now, self._resendable, key):
            self._unknown(self.log.expire_claim(now, key, keep=self._resendable))

    def _unknown(self, doc: Doc | None) -> None:
        """Report a notice whose message may or may not have left; it is not sent again."""
        if doc is not None:
            log.error("notification outcome unknown; not resent", extra=_log(doc, error=doc.get("error")))

    def _emit(self, doc: Doc, state: str, error: str | None) -> None:
        payload: dict[str, Any] = {
            "notification_id": doc["notification_id"],
            "cause_event_id": doc["cause_event_id"],
            "account_id": doc.get("account_id"),
            "channel": doc["channel"],
            "template": doc["template"],
        }
        if state == "sent":
            event, extra = "NotificationSent", {"to_masked": mask(doc["channel"], doc["to"])}
        else:
            event, extra = (
                "NotificationFailed",
                {"error": (error or "unknown")[:500], "attempts": doc["attempts"]},
            )
        self._outcomes.record(event, {**payload, **extra}, causation=doc["cause_event_id"])
        if state == "sent" and self._on_sent is not None:
            self._on_sent(doc)


def _record(notice: Notice, message: Message, now: datetime, lease_until: datetime) -> dict[str, Any]:
    return {
        "notification_id": notice.notification_id,
        "cause_event_id": notice.cause_event_id,
        "account_id": notice.account_id,
        "channel": notice.channel,
        "to": notice.to,
        "template": notice.template,
        "state": "sending",
        "attempts": 1,
        "next_at": lease_until,
        "created_at": now,
        "message": {"subject": message.subject, "text": message.text, "html": message.html},
    }


def _log(doc: Doc, **extra: Any) -> dict[str, Any]:
    return {
        "notification_id": doc["notification_id"],
        "template": doc["template"],
        "channel": doc["channel"],
        "to": mask(doc["channel"], doc["to"]),
        "attempts": doc.get("attempts"),
        **extra,
    }


class Views(Protocol):
    """The contacts read model (kept by the contacts projection, `notifier.contacts`)."""

    def contacts(self, account_id: str) -> Any: ...
    def is_erased(self, account_id: str) -> bool: ...


class Notifier:
    """The messages consumer: deliver what each event calls for (the contacts projection is apart)."""

    def __init__(self, views: Views, renderer: Renderer, delivery: Delivery):
        self._views, self._renderer, self.delivery = views, renderer, delivery

    def handle(self, env: Envelope) -> None:
        """One consumed event: its notices (each at most once), planned from the contacts read model.

        AccountErased: the account's notification log goes, and nothing is ever sent to it
        again (the projection tombstones its contacts; nor to an address that reads as erased).
        The contacts tombstone is there before that (the consumer waits for it), so a notice
        finds it when it looks, once claimed, before the send (`Delivery.first`): one look per
        notice, after the claim, which also covers an erasure running in another lane.
        """
        p = env.payload
        account = str(p.get("account_id") or "")
        if env.event_type == "AccountErased":
            self.delivery.log.forget(account)
            return
        if ERASED in p.values():
            return  # a shredded event replayed after its account's erasure
        for notice in self._notices(env):
            if is_opaque(notice.to):
                continue
            message = self._renderer.render(notice)
            if notice.channel == "sms":
                encoding, segments = sms_segments(message.text)
                log.info(
                    "sms length",
                    extra={"template": notice.template, "encoding": encoding, "segments": segments},
                )
            self.delivery.first(notice, message, erased=self._views.is_erased)

    def _notices(self, env: Envelope) -> list[Notice]:
        p = env.payload
        needs_contacts = (
            env.event_type in ACCOUNT_NOTICES
            or env.event_type == "ContactReleased"
            or (recovery_code(env.event_type, p) and bool(p.get("account_id")))
        )
        contacts = self._views.contacts(str(p["account_id"])) if needs_contacts else None
        return plan(env.event_id, env.event_type, p, contacts)
