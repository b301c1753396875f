"""Settings of the development inbox (`DEVSINK_` names first)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kabinet.settings import EnvReader

PREFIX = "DEVSINK_"


@dataclass(frozen=True)
class DevsinkSettings:
    """Where the sinks listen and where they keep messages."""

    mongo_uri: str
    mongo_db: str
    smtp_host: str
    smtp_port: int
    http_host: str
    http_port: int
    smpp_host: str
    smpp_port: int
    smpp_system_id: str  # empty: any system_id and password bind
    smpp_password: str
    log_level: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DevsinkSettings:
        """Settings from `env` (the process environment when omitted)."""
        r = EnvReader.for_service(PREFIX, env)
        return cls(
            mongo_uri=r.text("MONGO_URI", "mongodb://127.0.0.1:27017"),
            # only DEVSINK_MONGO_DB: the global MONGO_DB names a service's own database
            mongo_db=r.env.get(PREFIX + "MONGO_DB") or "kabinet_devsink",
            smtp_host=r.text("SMTP_HOST", "127.0.0.1"),
            smtp_port=r.integer("SMTP_PORT", 1025),
            http_host=r.text("HTTP_HOST", "127.0.0.1"),
            http_port=r.integer("HTTP_PORT", 8025),
            smpp_host=r.text("SMPP_HOST", "127.0.0.1"),
            smpp_port=r.integer("SMPP_PORT", 2775),
            smpp_system_id=r.text("SMPP_SYSTEM_ID", ""),
            smpp_password=r.text("SMPP_PASSWORD", ""),
            log_level=r.text("LOG_LEVEL", "INFO"),
        )
