"""Registry of the notifier's consumers; the delivery retrier runs beside the consumer."""

from __future__ import annotations

import logging
import threading

from kabinet.consumer import Handler, Record
from kabinet.contracts import Envelope, topics
from kabinet.runtime import Runtime
from kabinet.service import ConsumerSpec
from notifier.handlers import Delivery, Notifier

log = logging.getLogger(__name__)


def message_handler(notifier: Notifier) -> Handler:
    """Consumer handler: every event goes through the notifier (most need no message)."""

    def handle(env: Envelope, record: Record) -> None:
        notifier.handle(env)

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
    from notifier.bootstrap import build_notifier  # the composition root imports this registry
    from notifier.config import Settings

    settings = Settings.from_env()
    notifier = build_notifier(runtime, settings)
    # retries must not wait for new events, nor block a partition: a daemon beside the consumer
    args = (notifier.delivery, threading.Event(), settings.retry_poll_seconds)
    threading.Thread(target=run_retrier, args=args, name="notifier-retrier", daemon=True).start()
    return message_handler(notifier)


CONSUMERS: dict[str, ConsumerSpec] = {
    "messages": ConsumerSpec(
        name="messages",
        group_id="notifier.messages",
        topics=(topics.ACCOUNTS, topics.VERIFICATION, topics.SERVICES),
        build=_build,
    ),
}
