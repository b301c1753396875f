"""`create_app()`: the only way to build the billing-link service's Flask app."""

from __future__ import annotations

from flask import Flask

from billing_link.api import bp
from billing_link.bootstrap import SERVICE, wire
from billing_link.config import Settings
from billing_link.domain import LinkNotFound
from kabinet.flaskapp import base_app
from kabinet.runtime import Runtime
from kabinet.web import ProblemSpec

ERRORS: dict[type[Exception], ProblemSpec] = {
    LinkNotFound: ProblemSpec(404, "not-found", "No such service link")
}


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app; clients are created here, in the worker process."""
    settings = settings or Settings.from_env()
    runtime = Runtime.open(settings.infra)
    app = base_app("billing-link", runtime, errors=ERRORS, produces=SERVICE.produces)
    w = wire(runtime)
    app.extensions["billing_link.deps"] = w.deps
    app.extensions["billing_link.queries"] = w.queries
    app.register_blueprint(bp)
    return app
