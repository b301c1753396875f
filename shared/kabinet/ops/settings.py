"""Where the operator tools connect: `OPS_` names first, then the global ones, loopback defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kabinet.settings import EnvReader

PREFIX = "OPS_"


@dataclass(frozen=True)
class OpsSettings:
    """Connection settings of one `python -m kabinet.ops` run."""

    mongo_uri: str = "mongodb://127.0.0.1:27017"
    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_prefix: str = ""
    ops_db: str = "kabinet_ops"
    timeout_ms: int = 3000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> OpsSettings:
        """Settings from `env` (the process environment when omitted)."""
        r = EnvReader.for_service(PREFIX, env)
        return cls(
            mongo_uri=r.text("MONGO_URI", cls.mongo_uri),
            kafka_bootstrap=r.text("KAFKA_BOOTSTRAP_SERVERS", cls.kafka_bootstrap),
            topic_prefix=r.text("KAFKA_TOPIC_PREFIX", cls.topic_prefix),
            ops_db=r.text("DB", cls.ops_db),
            timeout_ms=r.integer("TIMEOUT_MS", cls.timeout_ms),
        )
