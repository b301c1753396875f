"""Per-process clients of a service, created lazily (after gunicorn forks)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database

from kabinet import kafka as kafka_clients
from kabinet.broker_health import BrokerHealth
from kabinet.doorbell import Bell, parse
from kabinet.eventstore import EventStore
from kabinet.mongo import Doc, connect, ping
from kabinet.privacy.keystore import MongoKeyStore
from kabinet.privacy.master import MasterKeyring
from kabinet.privacy.payload import keystore, use_keystore
from kabinet.settings import InfraSettings


@dataclass
class Runtime:
    """Mongo database, event store and a lazily built Kafka producer of one process."""

    infra: InfraSettings
    client: MongoClient[Doc]
    db: Database[Doc]
    store: EventStore
    _producer: Any = field(default=None, repr=False)
    kafka_probe: kafka_clients.KafkaProbe | None = field(default=None, repr=False)
    _keys: MongoKeyStore | None = field(default=None, repr=False)
    _health: BrokerHealth | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if keystore() is None:  # a runtime built by hand still reads sealed events
            use_keystore(self.keys)

    @classmethod
    def open(cls, infra: InfraSettings) -> Runtime:
        """Connect to Mongo (no I/O until first use), prepare the event store, set the key store.

        The key store becomes the process's one (`use_keystore`): the codec seals and opens
        personal data with it.
        """
        client = connect(infra.mongo_uri, app_name=infra.service, timeout_ms=infra.mongo_timeout_ms)
        db = client[infra.mongo_db]
        store = EventStore(db, topic_prefix=infra.topic_prefix, bell=Bell(parse(infra.relay_doorbell)))
        runtime = cls(infra=infra, client=client, db=db, store=store)
        use_keystore(runtime.keys)
        return runtime

    @property
    def keys(self) -> MongoKeyStore:
        """The deployment's subject key store (over this runtime's Mongo client)."""
        if self._keys is None:
            self._keys = open_keystore(None, self.infra)
        return self._keys

    @property
    def client_id(self) -> str:
        """Kafka client id naming the service and host."""
        return f"{self.infra.service}@{socket.gethostname()}"

    def topic(self, name: str) -> str:
        """A contract's topic name in this deployment's namespace."""
        return self.infra.topic_prefix + name

    def producer(self) -> Any:
        """The process's Kafka producer, built on first use."""
        if self._producer is None:
            self._producer = kafka_clients.producer(self.infra.kafka_bootstrap, client_id=self.client_id)
        return self._producer

    def ping_mongo(self) -> None:
        """Readiness check for Mongo."""
        ping(self.db)

    def ping_kafka(self) -> None:
        """Readiness check for Kafka."""
        if self.kafka_probe is None:
            self.kafka_probe = kafka_clients.KafkaProbe(self.infra.kafka_bootstrap)
        self.kafka_probe()

    def broker_health(self, topics: Sequence[str]) -> BrokerHealth | None:
        """The process's Kafka health monitor of the contract topics `topics`, started on first
        use; None when `KAFKA_HEALTH_INTERVAL` is 0 (monitoring off)."""
        if self._health is None and self.infra.kafka_health_interval > 0:
            self._health = BrokerHealth.watch(
                self.infra.kafka_bootstrap,
                [self.topic(t) for t in topics],
                replication=self.infra.topic_replication,
                interval=self.infra.kafka_health_interval,
                max_age=self.infra.kafka_health_max_age,
            )
        return self._health

    def close(self) -> None:
        """Close every client."""
        if self._health is not None:
            self._health.close()
        if self._producer is not None:
            self._producer.close(timeout=5)
        if self.kafka_probe is not None:
            self.kafka_probe.close()
        self.client.close()


def open_keystore(client: MongoClient[Doc] | None, infra: InfraSettings) -> MongoKeyStore:
    """The deployment's Mongo-backed subject key store.

    Over `client` when given (the caller owns it); otherwise the process's shared store for
    this configuration, with a client of its own, so closing a runtime never leaves the
    codec's key store on a closed client.
    """
    if client is not None:
        keyring = MasterKeyring.parse(infra.master_key)
        coll = client[infra.keys_db]["subject_keys"]
        return MongoKeyStore(coll, keyring, cache_seconds=infra.key_cache_seconds)
    config = (infra.mongo_uri, infra.keys_db, infra.master_key, infra.key_cache_seconds)
    with _KEYSTORES_LOCK:
        if config not in _KEYSTORES:
            own = connect(infra.mongo_uri, app_name="kabinet-keys", timeout_ms=infra.mongo_timeout_ms)
            _KEYSTORES[config] = open_keystore(own, infra)
        return _KEYSTORES[config]


_KEYSTORES: dict[tuple[str, str, str, float], MongoKeyStore] = {}
_KEYSTORES_LOCK = threading.Lock()
