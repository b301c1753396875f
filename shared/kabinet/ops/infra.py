"""Clients with short timeouts, and one-line errors when Kafka or Mongo does not answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError
from pymongo import MongoClient
from pymongo.errors import ConnectionFailure, PyMongoError

from kabinet import kafka as kafka_clients
from kabinet.mongo import Doc, connect
from kabinet.ops.settings import OpsSettings

CLIENT_ID = "kabinet-ops"


class OpsError(Exception):
    """A usage or infrastructure problem: printed as one line, exit code 2."""


class Unreachable(OpsError):
    """Kafka or Mongo did not answer in time."""


@contextmanager
def kafka_errors(settings: OpsSettings) -> Iterator[None]:
    """Turn a broker that does not answer into `Unreachable`."""
    try:
        yield
    except KafkaError as exc:
        name, detail = type(exc).__name__, str(exc)
        said = name if detail in ("", name) else f"{name}: {detail}"
        raise Unreachable(f"Kafka at {settings.kafka_bootstrap}: {said}") from exc


def mongo(settings: OpsSettings) -> MongoClient[Doc]:
    """A pinged Mongo client, or `Unreachable`."""
    client = connect(settings.mongo_uri, app_name=CLIENT_ID, timeout_ms=settings.timeout_ms)
    try:
        client.admin.command("ping")
    except (ConnectionFailure, PyMongoError) as exc:
        client.close()
        detail = str(exc).split(" (configured timeouts")[0][:200]
        raise Unreachable(f"Mongo at {settings.mongo_uri}: {type(exc).__name__}: {detail}") from exc
    return client


def reader(settings: OpsSettings, **overrides: Any) -> KafkaConsumer:
    """A consumer without a group (partitions are assigned by hand, nothing is committed)."""
    config: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "client_id": CLIENT_ID,
        "group_id": None,
        "enable_auto_commit": False,
        "api_version_auto_timeout_ms": settings.timeout_ms,
        "max_poll_records": 500,
        **overrides,
    }
    with kafka_errors(settings):
        return KafkaConsumer(**config)


def admin(settings: OpsSettings) -> KafkaAdminClient:
    """An admin client, or `Unreachable`."""
    with kafka_errors(settings):
        return kafka_clients.admin(
            settings.kafka_bootstrap,
            client_id=CLIENT_ID,
            timeout_ms=settings.timeout_ms,
            request_timeout_ms=max(settings.timeout_ms, 5000),
        )


def producer(settings: OpsSettings) -> Any:
    """The backbone's safe producer (acks=all, idempotent), or `Unreachable`."""
    with kafka_errors(settings):
        return kafka_clients.producer(settings.kafka_bootstrap, client_id=CLIENT_ID)
