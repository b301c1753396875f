"""Real servers for integration and e2e tests.

Order: env-given servers (`KAFKA_BOOTSTRAP_SERVERS`, `MONGO_URI`) → testcontainers when a
Docker engine answers → the project's locally provisioned servers (deploy/infra.py) →
fail loudly. Never skip. Locally provisioned servers are left running (`make stop` ends them).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
# identity's `runtime`, `client` and `account` fixtures, over each identity test module's `settings`
pytest_plugins = ["identity_support"]


def _docker_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        client = docker.from_env(timeout=3)
        client.ping()
        return True
    except Exception:
        return False


def _infra_module() -> Any:
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        import infra  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    return infra


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, str]]:
    """Kafka bootstrap servers and a Mongo URI of real, running servers."""
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    mongo = os.environ.get("MONGO_URI")
    cleanups: list[Callable[[], None]] = []
    if (not kafka or not mongo) and _docker_answers():
        from testcontainers.kafka import KafkaContainer
        from testcontainers.mongodb import MongoDbContainer

        if not kafka:
            kc = KafkaContainer().with_kraft().start()
            cleanups.append(kc.stop)
            kafka = kc.get_bootstrap_server()
        if not mongo:
            mc = MongoDbContainer("mongo:7").start()
            cleanups.append(mc.stop)
            mongo = mc.get_connection_url()
    if not kafka or not mongo:
        infra = _infra_module()
        try:
            endpoints = infra.ensure_started()
        except Exception as exc:  # no servers at all: fail, never skip
            pytest.fail(f"no Kafka/Mongo for integration tests and local provisioning failed: {exc}")
        # Locally provisioned servers stay up for the next run and for other sessions sharing
        # them; `make stop` (and CI's exit trap) end them.
        kafka = kafka or endpoints.kafka_bootstrap
        mongo = mongo or endpoints.mongo_uri
    assert kafka and mongo
    yield {"kafka": kafka, "mongo": mongo}
    for cleanup in reversed(cleanups):
        cleanup()


@pytest.fixture(scope="session")
def kafka_bootstrap(servers: dict[str, str]) -> str:
    """Bootstrap servers of a real Kafka broker."""
    return servers["kafka"]


@pytest.fixture(scope="session")
def mongo_client(servers: dict[str, str]) -> Iterator[Any]:
    """A client of a real MongoDB-protocol server."""
    from kabinet.mongo import connect

    client = connect(servers["mongo"], app_name="kabinet-tests")
    yield client
    client.close()


@pytest.fixture
def db(mongo_client: Any) -> Iterator[Any]:
    """A fresh database for one test, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield mongo_client[name]
    mongo_client.drop_database(name)


@pytest.fixture
def topic_prefix(kafka_bootstrap: str) -> str:
    """A fresh topic namespace for one test (topics are created by the code under test)."""
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def service_env(servers: dict[str, str], topic_prefix: str, mongo_client: Any) -> Iterator[dict[str, str]]:
    """Environment for a service under test: real servers, fresh db and topic namespace."""
    db_name = f"t_{uuid.uuid4().hex[:12]}"
    yield {
        "MONGO_URI": servers["mongo"],
        "MONGO_DB": db_name,
        "KAFKA_BOOTSTRAP_SERVERS": servers["kafka"],
        "KAFKA_TOPIC_PREFIX": topic_prefix,
        "KAFKA_TOPIC_PARTITIONS": "3",
        "LOG_JSON": "0",
    }
    mongo_client.drop_database(db_name)


@pytest.fixture(autouse=True)
def _process_keystore_restored() -> Iterator[None]:
    """Every test leaves the process's key store as it found it: opening a Runtime installs its
    own, and one over an unreachable Mongo (a readiness test's) would serve the tests after."""
    from kabinet.privacy.payload import keystore, use_keystore

    previous = keystore()
    yield
    use_keystore(previous)


@pytest.fixture
def keys() -> Iterator[Any]:
    """An in-memory key store installed as the process's (the codec seals with it), then the old one back."""
    from kabinet.privacy.keystore import MemoryKeyStore
    from kabinet.privacy.payload import keystore, use_keystore

    store, previous = MemoryKeyStore(), keystore()
    use_keystore(store)
    yield store
    use_keystore(previous)
