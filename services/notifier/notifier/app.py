"""`create_app()`: the only way to build the notifier service's Flask app (probes and metrics)."""

from __future__ import annotations

from flask import Flask

from kabinet.flaskapp import base_app
from kabinet.runtime import Runtime
from notifier.bootstrap import SERVICE
from notifier.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app; clients are created here, in the worker process."""
    settings = settings or Settings.from_env()
    runtime = Runtime.open(settings.infra)
    app: Flask = base_app("notifier", runtime, produces=SERVICE.produces)
    return app
