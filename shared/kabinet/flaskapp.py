"""The common shape of every service's Flask app."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import Flask
from prometheus_client import CollectorRegistry

from kabinet.logs import configure_logging
from kabinet.runtime import Runtime
from kabinet.web import Check, HttpMetrics, ProblemSpec, install_correlation, install_errors, probes
from kabinet.write_gate import install_write_gate


def base_app(
    name: str,
    runtime: Runtime,
    *,
    errors: Mapping[type[Exception], ProblemSpec] | None = None,
    produces: Sequence[str] = (),
) -> Flask:
    """A Flask app with logging, correlation ids, problem errors, the three probes and the write
    gate: while Kafka cannot take the events of `produces`, `/readyz` is red and commands are
    refused with `503` (see `kabinet.write_gate`)."""
    configure_logging(name, runtime.infra.log_level, runtime.infra.log_json)
    app = Flask(name)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    registry = CollectorRegistry()
    metrics = HttpMetrics(registry, name)
    app.extensions["kabinet"] = runtime
    app.extensions["kabinet.metrics"] = registry
    install_correlation(app, metrics)
    install_errors(app, errors or {})
    kafka_ready: Check = runtime.ping_kafka
    health = runtime.broker_health(produces)
    if health is not None:
        install_write_gate(app, health)
        kafka_ready = health.require_writable
    app.register_blueprint(probes({"mongo": runtime.ping_mongo, "kafka": kafka_ready}, registry))
    return app
