"""Settings of the verification service, read once from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from kabinet.settings import EnvReader, InfraSettings
from verification.domain import Policy

PREFIX = "VERIFICATION_"
DEV_CODE_KEY = "dev-only-verification-code-key"  # production sets VERIFICATION_CODE_KEY


@dataclass(frozen=True)
class Settings:
    """Everything the verification service reads from its environment."""

    infra: InfraSettings
    code_key: str
    policy: Policy

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from `env` (the process environment when omitted), `VERIFICATION_` names first."""
        reader = EnvReader.for_service(PREFIX, env)
        policy = Policy(
            ttl=timedelta(seconds=reader.integer("CODE_TTL_SECONDS", 600)),
            cooldown=timedelta(seconds=reader.integer("RESEND_COOLDOWN_SECONDS", 60)),
            window=timedelta(seconds=reader.integer("BUDGET_WINDOW_SECONDS", 3600)),
            per_contact=reader.integer("BUDGET_PER_CONTACT", 5),
            per_account=reader.integer("BUDGET_PER_ACCOUNT", 10),
        )
        return cls(
            infra=InfraSettings.read("verification", reader),
            code_key=reader.text("CODE_KEY", DEV_CODE_KEY),
            policy=policy,
        )
