"""Settings of the billing-link service, read once from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from kabinet.settings import EnvReader, InfraSettings

PREFIX = "BILLING_LINK_"


@dataclass(frozen=True)
class Settings:
    """Everything the billing-link service reads from its environment."""

    infra: InfraSettings
    low_balance_threshold: str = "50.00"
    low_balance_max_age: timedelta = timedelta(hours=24)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from `env` (the process environment when omitted), `BILLING_LINK_` names first."""
        reader = EnvReader.for_service(PREFIX, env)
        threshold = reader.text("LOW_BALANCE_THRESHOLD", "50.00")
        try:
            threshold = f"{Decimal(threshold):.2f}"
        except InvalidOperation as exc:
            raise ValueError(f"{PREFIX}LOW_BALANCE_THRESHOLD must be a decimal, got {threshold!r}") from exc
        return cls(
            infra=InfraSettings.read("billing-link", reader),
            low_balance_threshold=threshold,
            low_balance_max_age=timedelta(hours=reader.number("LOW_BALANCE_MAX_AGE_HOURS", 24)),
        )
