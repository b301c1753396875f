"""The SMTP sink: a real SMTP server (aiosmtpd) that stores every message, MIME-decoded."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from notifier.devsink.store import MessageStore


class InboxHandler:
    """aiosmtpd handler: one stored message per recipient."""

    def __init__(self, store: MessageStore) -> None:
        self._store = store

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Accept the message and file it under each recipient."""
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        subject, body, html = str(msg.get("subject") or ""), *_bodies(msg)
        for rcpt in envelope.rcpt_tos:
            self._store.add("email", rcpt, subject, body, html)
        return "250 Message accepted for delivery"


def _bodies(msg: EmailMessage) -> tuple[str, str | None]:
    plain = msg.get_body(preferencelist=("plain",))
    rich = msg.get_body(preferencelist=("html",))
    html = rich.get_content() if rich is not None else None
    if plain is not None:
        return plain.get_content().strip(), html
    return re.sub(r"<[^>]+>", "", html or "").strip(), html


def smtp_controller(store: MessageStore, host: str, port: int) -> Controller:
    """A controller (not yet started) serving the sink on `host:port`."""
    return Controller(InboxHandler(store), hostname=host, port=port, enable_SMTPUTF8=True)
