"""The bare-Flask baseline: one JSON endpoint, no middleware (served by gunicorn like the services)."""

from __future__ import annotations

from flask import Flask, jsonify


def create_app() -> Flask:
    """`GET /hello` → `{"status": "ok"}`."""
    app = Flask("hello")

    @app.get("/hello")
    def hello():  # type: ignore[no-untyped-def]
        return jsonify(status="ok")

    return app
