"""Registry of the notifier's consumers; the delivery retrier runs beside the messages consumer.

`contacts` is the pure read model (replayable by `kabinet.ops rebuild`); `messages` sends.
The two are separate consumer groups, so before `messages` plans a notice from an account
event it waits until `contacts` has applied that event (what one consumer did in order).
"""

from __future__ import annotations

import logging
import threading
import time

from kabinet.consumer import Handler, Record
from kabinet.contracts import REGISTRY, Envelope, topics
from kabinet.contracts.accounts import AUDIT_EVENTS
from kabinet.privacy.crypto import ERASED
from kabinet.runtime import Runtime
from kabinet.service import ConsumerSpec
from notifier.contacts import COLLECTIONS, ContactsProjection
from notifier.domain import ACCOUNT_NOTICES, MESSAGE_EVENTS
from notifier.handlers import Delivery, Notifier
from notifier.projection import AccountsView

log = logging.getLogger(__name__)
# account events whose handling reads the contacts read model
READS_CONTACTS = frozenset(ACCOUNT_NOTICES) | {"ContactReleased", "AccountErased"}


class ContactsBehind(RuntimeError):
    """The contacts projection did not reach an event in time: not committed, read again."""


def message_handler(
    notifier: Notifier, views: AccountsView | None = None, *, wait_seconds: float = 30.0
) -> Handler:
    """Consumer handler: every event goes through the notifier (most need no message).

    With `views`, an account event whose notice reads the contacts waits for the contacts
    projection to apply it first.
    """

    def handle(env: Envelope, record: Record) -> None:
        if views is not None and _reads_contacts(env):
            _await_contacts(views, env, wait_seconds)
        notifier.handle(env)

    return handle


def _reads_contacts(env: Envelope) -> bool:
    p = env.payload
    return (
        env.event_type in READS_CONTACTS
        and env.stream_id.startswith("account-")
        and bool(p.get("account_id"))
        and ERASED not in p.values()  # the projection keeps nothing of a shredded event
    )


def _await_contacts(views: AccountsView, env: Envelope, wait_seconds: float) -> None:
    account, deadline = str(env.payload["account_id"]), time.monotonic() + wait_seconds
    while not views.caught_up(account, env.stream_version):
        if time.monotonic() > deadline:
            raise ContactsBehind(f"contacts of {account} not at version {env.stream_version}")
        time.sleep(0.02)


def build_contacts(runtime: Runtime) -> Handler:
    """The contacts read model from identity's account events."""
    projection = ContactsProjection(AccountsView(runtime.db))

    def handle(env: Envelope, _record: Record) -> None:
        projection.apply(env)

    return handle


def run_retrier(delivery: Delivery, stop: threading.Event, poll_seconds: float) -> None:
    """Attempt due retries until `stop`; an error is logged and retried on the next poll."""
    while not stop.is_set():
        try:
            while delivery.retry_due():
                pass
        except Exception:
            log.exception("retrier failed; trying again")
        stop.wait(poll_seconds)


def _build(runtime: Runtime) -> Handler:
    # the composition root imports this registry
    from notifier.bootstrap import build_notifier, receipt_book, smpp_config
    from notifier.config import Settings
    from notifier.smpp_gateway import SmppGateway
    from notifier.sms_receipts import ReceiptListener

    settings = Settings.from_env()
    receipts = receipt_book(runtime, settings)
    notifier = build_notifier(runtime, settings, receipts=receipts)
    # retries must not wait for new events, nor block a partition: a daemon beside the consumer
    args = (notifier.delivery, threading.Event(), settings.retry_poll_seconds)
    threading.Thread(target=run_retrier, args=args, name="notifier-retrier", daemon=True).start()
    config = smpp_config(settings)
    if receipts is not None and config is not None:  # the SMSC's delivery receipts, on a receiver bind
        listener = ReceiptListener(SmppGateway(config).bind_receiver, receipts)
        name = "notifier-sms-receipts"
        threading.Thread(target=listener.run, args=(threading.Event(),), name=name, daemon=True).start()
    return message_handler(notifier, AccountsView(runtime.db))


CONSUMERS: dict[str, ConsumerSpec] = {
    "contacts": ConsumerSpec(
        name="contacts",
        group_id="notifier.contacts",
        topics=(topics.ACCOUNTS,),
        build=build_contacts,
        replayable=True,
        collections=COLLECTIONS,
        # every event of an account's stream moves its `_version` (the messages consumer waits
        # for it); sign-in audit events are on streams of their own: skipped unread
        event_types=REGISTRY.types_on(topics.ACCOUNTS) - AUDIT_EVENTS,
    ),
    "messages": ConsumerSpec(
        name="messages",
        group_id="notifier.messages",
        topics=(topics.ACCOUNTS, topics.VERIFICATION, topics.SERVICES),
        build=_build,
        event_types=MESSAGE_EVENTS | {"AccountErased"},
    ),
}
