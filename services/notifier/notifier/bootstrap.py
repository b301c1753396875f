"""Composition root of the notifier service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from kabinet.contracts import topics
from kabinet.runtime import Runtime
from kabinet.service import ServiceDef
from notifier.config import Settings
from notifier.consumers import CONSUMERS
from notifier.eventstore import Outcomes
from notifier.handlers import Delivery, Notifier
from notifier.projection import AccountsView, NotificationLog
from notifier.render import Renderer
from notifier.senders import HttpSmsGateway, Sender, SmtpMailer
from notifier.smpp_gateway import SmppConfig, SmppGateway
from notifier.sms_receipts import ReceiptBook


def smpp_config(settings: Settings) -> SmppConfig | None:
    """The SMSC's settings when SMS go over SMPP (an `smpp://` or `smpps://` gateway URL)."""
    if settings.sms_gateway_url.startswith(("smpp://", "smpps://")):
        return SmppConfig.from_url(settings.sms_gateway_url)
    return None


def receipt_book(runtime: Runtime, settings: Settings) -> ReceiptBook | None:
    """Where SMS delivery receipts are kept, when the SMSC is asked for them."""
    config = smpp_config(settings)
    return ReceiptBook(runtime.db, Outcomes(runtime.store)) if config and config.receipts else None


def production_senders(settings: Settings, receipts: ReceiptBook | None = None) -> dict[str, Sender]:
    """SMTP for email; for SMS an SMSC over SMPP (an `smpp://` gateway URL) or the HTTP JSON gateway."""
    sms: Sender
    config = smpp_config(settings)
    if config is not None:
        sms = SmppGateway(config, receipts=receipts)
    else:
        sms = HttpSmsGateway(
            settings.sms_gateway_url,
            token=settings.sms_gateway_token,
            idempotent=settings.sms_gateway_idempotent,
        )
    return {"email": SmtpMailer(settings.smtp), "sms": sms}


def build_notifier(
    runtime: Runtime,
    settings: Settings,
    *,
    senders: Mapping[str, Sender] | None = None,
    clock: Callable[[], datetime] | None = None,
    receipts: ReceiptBook | None = None,
) -> Notifier:
    """The notifier wired to Mongo and the real senders; tests may swap senders and clock."""
    delivery = Delivery(
        NotificationLog(runtime.db),
        senders or production_senders(settings, receipts),
        Outcomes(runtime.store),
        clock=clock or (lambda: datetime.now(UTC)),
        backoff=settings.backoff,
        on_sent=receipts.sent if receipts is not None else None,
    )
    renderer = Renderer(settings.link_base_url)
    return Notifier(AccountsView(runtime.db), renderer, delivery)


def setup(runtime: Runtime) -> None:
    """Indexes of the event store and the read models."""
    runtime.store.create_indexes()
    NotificationLog(runtime.db).create_indexes()
    ReceiptBook(runtime.db, Outcomes(runtime.store)).create_indexes()


SERVICE = ServiceDef(
    name="notifier",
    package="notifier",
    default_port=8003,
    infra=lambda: Settings.from_env().infra,
    produces=(topics.NOTIFICATIONS,),
    consumers=CONSUMERS,
    setup=setup,
)
