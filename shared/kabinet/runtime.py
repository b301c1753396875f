"""Per-process clients of a service, created lazily (after gunicorn forks)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database

from kabinet import kafka as kafka_clients
from kabinet.eventstore import EventStore
from kabinet.mongo import Doc, connect, ping
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

    @classmethod
    def open(cls, infra: InfraSettings) -> Runtime:
        """Connect to Mongo (no I/O until first use) and prepare the event store."""
        client = connect(infra.mongo_uri, app_name=infra.service, timeout_ms=infra.mongo_timeout_ms)
        db = client[infra.mongo_db]
        return cls(infra=infra, client=client, db=db, store=EventStore(db, topic_prefix=infra.topic_prefix))

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

    def close(self) -> None:
        """Close every client."""
        if self._producer is not None:
            self._producer.close(timeout=5)
        if self.kafka_probe is not None:
            self.kafka_probe.close()
        self.client.close()
