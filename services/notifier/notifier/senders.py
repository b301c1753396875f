"""Delivery adapters: SMTP email and an HTTP JSON SMS gateway, behind two small protocols."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError, LocationValueError, ProxyError, SSLError

from kabinet.http import pool
from notifier.mail_headers import MAIL_POLICY
from notifier.render import Message


class SendError(Exception):
    """A delivery attempt failed; `kind` tells the delivery what it means (`after_attempt`)."""

    kind = "unknown"


class TransientSendError(SendError):
    """Nothing left and it is worth retrying: the server is down, busy or answered 4xx/5xx-temporary."""

    kind = "transient"


class PermanentSendError(SendError):
    """No retry will help: the address is refused or the request is malformed."""

    kind = "permanent"


class OutcomeUnknown(SendError):
    """The message may have left (the peer took the request, then no answer came): never resend it."""


class Sender(Protocol):
    """Delivers one rendered message of its channel or raises a `SendError`.

    `idempotent`: the far side drops a repeated `message_id`, so a message whose outcome is
    unknown (a crash mid-attempt, no answer) may be sent again: exactly once, not at most once.
    """

    idempotent: bool

    def send(self, message: Message, *, message_id: str) -> None: ...


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to reach the SMTP server."""

    host: str = "127.0.0.1"
    port: int = 1025
    user: str = ""
    password: str = ""
    starttls: bool = False
    ssl: bool = False
    sender: str = "Kabinet <no-reply@kabinet.example>"
    timeout: float = 10.0


class SmtpMailer:
    """Sends email through a real SMTP server with smtplib (STARTTLS and auth when configured).

    Each sending thread keeps its connection for the next message while it is fresher than
    `reuse_seconds` (servers drop idle clients after a minute or more): one message is then
    MAIL, RCPT and DATA instead of a TCP and TLS set-up, EHLO, auth and QUIT as well. Any
    error drops the connection; the next attempt opens a new one.
    """

    idempotent = False  # SMTP has no way to drop a repeated message

    def __init__(self, config: SmtpConfig, *, reuse_seconds: float = 20.0) -> None:
        self._c = config
        self._reuse = reuse_seconds
        self._local = threading.local()

    def send(self, message: Message, *, message_id: str) -> None:
        """Deliver one email; the notification id becomes its Message-ID, the same on every retry."""
        mail = EmailMessage(policy=MAIL_POLICY)  # a long Cyrillic subject keeps its spaces
        mail["From"], mail["To"], mail["Subject"] = self._c.sender, message.to, message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = f"<{message_id}@kabinet.example>"  # receivers can drop a duplicate
        mail.set_content(message.text)
        if message.html:
            mail.add_alternative(message.html, subtype="html")
        try:
            smtp = self._connection()
            try:
                smtp.send_message(mail)
            except BaseException:
                self._drop(polite=False)  # broken or in an unknown state: never reused
                raise
            self._local.used_at = time.monotonic()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise (TransientSendError if all(400 <= c < 500 for c in codes) else PermanentSendError)(
                f"SMTP recipients refused: {codes}"
            ) from exc
        except smtplib.SMTPResponseException as exc:
            kind = TransientSendError if 400 <= exc.smtp_code < 500 else PermanentSendError
            raise kind(f"SMTP {exc.smtp_code} {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timeout, TLS trouble
            raise TransientSendError(f"SMTP unreachable: {type(exc).__name__}: {exc}") from exc

    def _connection(self) -> smtplib.SMTP:
        """This thread's connection, opened anew when it has none or it sat idle too long."""
        smtp: smtplib.SMTP | None = getattr(self._local, "smtp", None)
        if smtp is not None and time.monotonic() - self._local.used_at > self._reuse:
            self._drop(polite=True)
            smtp = None
        if smtp is None:
            smtp = self._local.smtp = self._connect()
        return smtp

    def _drop(self, *, polite: bool) -> None:
        smtp: smtplib.SMTP | None = getattr(self._local, "smtp", None)
        self._local.smtp = None
        if smtp is None:
            return
        if polite:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
        smtp.close()

    def _connect(self) -> smtplib.SMTP:
        c = self._c
        smtp: smtplib.SMTP
        if c.ssl:
            smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            if c.starttls:
                smtp.starttls(context=ssl.create_default_context())
        if c.user:
            smtp.login(c.user, c.password)
        return smtp


class HttpSmsGateway:
    """An SMS provider speaking JSON over HTTP: `POST {to, text, message_id}`; 2xx = accepted.

    `idempotent`: the provider accepts a repeated `message_id` without sending it again (the dev
    inbox does; set `SMS_GATEWAY_IDEMPOTENT` only for a provider that promises it).
    """

    def __init__(self, url: str, *, token: str = "", timeout: float = 5.0, idempotent: bool = False) -> None:
        self._url, self._timeout = url, urllib3.Timeout(connect=timeout, read=timeout)
        self.idempotent = idempotent
        self._pool = pool(url)
        self._headers = {"Content-Type": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"

    def send(self, message: Message, *, message_id: str) -> None:
        """Hand one SMS to the gateway; 5xx, 429 and failed connections are transient.

        A timeout or a dropped connection after the request went out leaves the outcome unknown.
        Never retried here: the delivery decides (`after_attempt`).
        """
        body = {"to": message.to, "text": message.text, "message_id": message_id}
        try:
            resp = self._pool.request(
                "POST", self._url, json=body, headers=self._headers, timeout=self._timeout, retries=False
            )
        except HTTPError as exc:
            if _may_have_arrived(exc):
                raise OutcomeUnknown(f"SMS gateway gave no answer: {type(exc).__name__}") from exc
            raise TransientSendError(f"SMS gateway unreachable: {type(exc).__name__}") from exc
        if resp.status == 429 or resp.status >= 500:
            raise TransientSendError(f"SMS gateway answered {resp.status}")
        if resp.status >= 400:
            text = resp.data[:200].decode("utf-8", "replace")
            raise PermanentSendError(f"SMS gateway refused: {resp.status} {text}")


def _may_have_arrived(exc: HTTPError) -> bool:
    """Whether the gateway may have got the request: not when no connection was ever made
    (refused or timed out connecting — `NewConnectionError` is a `ConnectTimeoutError` —, a
    failed TLS handshake, a URL that names no host); through a proxy, what failed there decides."""
    cause: BaseException = exc.original_error if isinstance(exc, ProxyError) else exc
    return not isinstance(cause, ConnectTimeoutError | SSLError | LocationValueError)
