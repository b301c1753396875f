"""Settings from the environment: the service prefix first, then the global name."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class EnvReader:
    """Reads `<PREFIX><NAME>`, then `<NAME>`, then the default; the one place env is read."""

    prefix: str
    env: Mapping[str, str]

    @classmethod
    def for_service(cls, prefix: str, env: Mapping[str, str] | None = None) -> EnvReader:
        """A reader over `env` (the process environment when omitted)."""
        return cls(prefix=prefix, env=dict(os.environ if env is None else env))

    def text(self, name: str, default: str) -> str:
        """A string setting."""
        return self.env.get(self.prefix + name) or self.env.get(name) or default

    def integer(self, name: str, default: int) -> int:
        """An integer setting; a bad value fails loudly at start-up."""
        raw = self.text(name, str(default))
        try:
            return int(raw)
        except ValueError as exc:
            raise ValueError(f"{self.prefix}{name} must be an integer, got {raw!r}") from exc

    def number(self, name: str, default: float) -> float:
        """A float setting."""
        return float(self.text(name, str(default)))

    def flag(self, name: str, default: bool) -> bool:
        """A boolean setting: 1/true/yes/on are true."""
        return self.text(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class InfraSettings:
    """What every service needs to reach Kafka and MongoDB, and the key store of personal data.

    The key store (subject keys wrapped by `KABINET_MASTER_KEY`) lives in its own database
    `KABINET_KEYS_DB`, shared by every service: what one service seals, another opens.
    """

    service: str
    mongo_uri: str
    mongo_db: str
    mongo_timeout_ms: int
    kafka_bootstrap: str
    topic_prefix: str
    topic_partitions: int
    topic_replication: int
    log_level: str
    log_json: bool
    keys_db: str = "kabinet_keys"
    master_key: str = ""
    key_cache_seconds: float = 2.0
    kafka_health_interval: float = 1.0  # 0: no monitor, no write gate, /readyz only asks for metadata
    kafka_health_max_age: float = 5.0
    consumer_threads: int = 8  # lanes (partition × record key) of one polled batch handled side by side
    fetch_linger_ms: int = 20  # a busy consumer's fetches gather up to this long (kabinet.kafka.FetchPacer)
    relay_doorbell: str = ""  # host:port (UDP) where the outbox relay hears appends; "" = it polls

    @classmethod
    def read(cls, service: str, env: EnvReader) -> InfraSettings:
        """Infrastructure settings of `service` from `env`."""
        return cls(
            service=service,
            mongo_uri=env.text("MONGO_URI", "mongodb://127.0.0.1:27017"),
            mongo_db=env.text("MONGO_DB", f"kabinet_{service.replace('-', '_')}"),
            mongo_timeout_ms=env.integer("MONGO_TIMEOUT_MS", 5000),
            kafka_bootstrap=env.text("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            topic_prefix=env.text("KAFKA_TOPIC_PREFIX", ""),
            topic_partitions=env.integer("KAFKA_TOPIC_PARTITIONS", 6),
            topic_replication=env.integer("KAFKA_REPLICATION_FACTOR", 1),
            log_level=env.text("LOG_LEVEL", "INFO"),
            log_json=env.flag("LOG_JSON", True),
            keys_db=env.text("KABINET_KEYS_DB", "kabinet_keys"),
            master_key=env.text("KABINET_MASTER_KEY", ""),
            key_cache_seconds=env.number("KABINET_KEY_CACHE_SECONDS", 2.0),
            kafka_health_interval=env.number("KAFKA_HEALTH_INTERVAL", 1.0),
            kafka_health_max_age=env.number("KAFKA_HEALTH_MAX_AGE", 5.0),
            consumer_threads=env.integer("CONSUMER_THREADS", 8),
            fetch_linger_ms=env.integer("KAFKA_FETCH_LINGER_MS", 20),
            relay_doorbell=env.text("RELAY_DOORBELL", ""),
        )
