"""Settings: the service prefix wins over the global name, which wins over the default."""

from __future__ import annotations

import pytest

from kabinet.settings import EnvReader, InfraSettings


def test_service_prefix_first_then_global_then_default():
    env = EnvReader.for_service(
        "IDENTITY_", {"IDENTITY_MONGO_URI": "mongodb://svc", "MONGO_URI": "mongodb://global"}
    )
    assert env.text("MONGO_URI", "d") == "mongodb://svc"
    assert EnvReader.for_service("NOTIFIER_", {"MONGO_URI": "mongodb://global"}).text("MONGO_URI", "d") == (
        "mongodb://global"
    )
    assert EnvReader.for_service("X_", {}).text("MONGO_URI", "d") == "d"


def test_loopback_defaults():
    infra = InfraSettings.read("billing-link", EnvReader.for_service("BILLING_LINK_", {}))
    assert infra.kafka_bootstrap == "127.0.0.1:9092"
    assert infra.mongo_uri == "mongodb://127.0.0.1:27017"
    assert infra.mongo_db == "kabinet_billing_link"


def test_a_bad_integer_fails_loudly_naming_the_setting():
    with pytest.raises(ValueError, match="X_KAFKA_REPLICATION_FACTOR"):
        InfraSettings.read("x", EnvReader.for_service("X_", {"KAFKA_REPLICATION_FACTOR": "three"}))
