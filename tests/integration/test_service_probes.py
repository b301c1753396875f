"""Every service answers /healthz, /readyz (Kafka and Mongo reachable) and /metrics."""

from __future__ import annotations

import importlib

import pytest

pytestmark = pytest.mark.integration

PACKAGES = ["identity", "verification", "billing_link", "notifier"]


def build_app(package: str, env: dict[str, str]):
    config = importlib.import_module(f"{package}.config")
    app_module = importlib.import_module(f"{package}.app")
    return app_module.create_app(config.Settings.from_env(env))


@pytest.mark.parametrize("package", PACKAGES)
def test_a_service_is_ready_when_kafka_and_mongo_answer(package: str, service_env: dict[str, str]):
    client = build_app(package, service_env).test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json["checks"] == {"mongo": "ok", "kafka": "ok"}
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'http_requests_total{endpoint="/readyz"' in metrics


@pytest.mark.parametrize("package", PACKAGES)
def test_a_service_is_not_ready_without_its_database(package: str, service_env: dict[str, str]):
    env = {**service_env, "MONGO_URI": "mongodb://127.0.0.1:1", "MONGO_TIMEOUT_MS": "300"}
    client = build_app(package, env).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["mongo"].startswith("down")
    assert client.get("/healthz").status_code == 200


def test_the_correlation_id_of_a_request_is_echoed(service_env: dict[str, str]):
    client = build_app("notifier", service_env).test_client()
    resp = client.get("/healthz", headers={"X-Correlation-ID": "abc-123"})
    assert resp.headers["X-Correlation-ID"] == "abc-123"
    assert client.get("/healthz").headers["X-Correlation-ID"]


def test_an_unknown_path_is_a_problem_document(service_env: dict[str, str]):
    resp = build_app("notifier", service_env).test_client().get("/nowhere")
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+json"
    assert resp.json["status"] == 404
