"""Settings of the identity service, read once from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kabinet.settings import EnvReader, InfraSettings

PREFIX = "IDENTITY_"


@dataclass(frozen=True)
class Settings:
    """Everything the identity service reads from its environment."""

    infra: InfraSettings

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from `env` (the process environment when omitted), `IDENTITY_` names first."""
        reader = EnvReader.for_service(PREFIX, env)
        return cls(infra=InfraSettings.read("identity", reader))
