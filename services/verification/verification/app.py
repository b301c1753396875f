"""`create_app()`: the only way to build the verification service's Flask app."""

from __future__ import annotations

from flask import Flask

from kabinet.flaskapp import base_app
from kabinet.runtime import Runtime
from verification.api import ERRORS, bp
from verification.bootstrap import SERVICE, build_verification
from verification.config import Settings
from verification.domain import Tools


def create_app(settings: Settings | None = None, *, tools: Tools | None = None) -> Flask:
    """Build the app; clients are created here, in the worker process."""
    settings = settings or Settings.from_env()
    runtime = Runtime.open(settings.infra)
    app: Flask = base_app("verification", runtime, errors=ERRORS, produces=SERVICE.produces)
    app.extensions["verification"] = build_verification(runtime, settings, tools)
    app.register_blueprint(bp)
    return app
