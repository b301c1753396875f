"""Settings of the notifier service, read once from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from kabinet.settings import EnvReader, InfraSettings
from notifier.domain import Backoff
from notifier.senders import SmtpConfig

PREFIX = "NOTIFIER_"


@dataclass(frozen=True)
class Settings:
    """Everything the notifier service reads from its environment."""

    infra: InfraSettings
    smtp: SmtpConfig
    sms_gateway_url: str
    sms_gateway_token: str
    sms_gateway_idempotent: bool
    link_base_url: str
    backoff: Backoff
    retry_poll_seconds: float

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from `env` (the process environment when omitted), `NOTIFIER_` names first."""
        r = EnvReader.for_service(PREFIX, env)
        smtp = SmtpConfig(
            host=r.text("SMTP_HOST", "127.0.0.1"),
            port=r.integer("SMTP_PORT", 1025),
            user=r.text("SMTP_USER", ""),
            password=r.text("SMTP_PASSWORD", ""),
            starttls=r.flag("SMTP_STARTTLS", False),
            ssl=r.flag("SMTP_SSL", False),
            sender=r.text("SMTP_FROM", "Kabinet <no-reply@kabinet.example>"),
            timeout=r.number("SMTP_TIMEOUT", 10.0),
        )
        backoff = Backoff(
            base=timedelta(seconds=r.number("RETRY_BASE_SECONDS", 2.0)),
            cap=timedelta(seconds=r.number("RETRY_CAP_SECONDS", 300.0)),
            max_attempts=r.integer("RETRY_MAX_ATTEMPTS", 8),
        )
        return cls(
            infra=InfraSettings.read("notifier", r),
            smtp=smtp,
            sms_gateway_url=r.text("SMS_GATEWAY_URL", "http://127.0.0.1:8025/sms"),
            sms_gateway_token=r.text("SMS_GATEWAY_TOKEN", ""),
            sms_gateway_idempotent=r.flag("SMS_GATEWAY_IDEMPOTENT", False),
            link_base_url=r.text("LINK_BASE_URL", "http://127.0.0.1:8000"),
            backoff=backoff,
            retry_poll_seconds=r.number("RETRY_POLL_SECONDS", 1.0),
        )
