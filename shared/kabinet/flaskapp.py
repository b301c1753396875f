"""The common shape of every service's Flask app."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask
from prometheus_client import CollectorRegistry

from kabinet.logs import configure_logging
from kabinet.runtime import Runtime
from kabinet.web import HttpMetrics, ProblemSpec, install_correlation, install_errors, probes


def base_app(
    name: str,
    runtime: Runtime,
    *,
    errors: Mapping[type[Exception], ProblemSpec] | None = None,
) -> Flask:
    """A Flask app with logging, correlation ids, problem errors and the three probes."""
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
    app.register_blueprint(probes({"mongo": runtime.ping_mongo, "kafka": runtime.ping_kafka}, registry))
    return app
