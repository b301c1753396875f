"""The gateway's HTTP API: flask-smorest blueprints, OpenAPI 3.1 at /openapi.json, docs at /docs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from flask import Flask, Response, send_from_directory
from flask_smorest import Api

from identity.api import facade, me, privacy, recovery, registration, sessions
from identity.config import Settings


class GatewayApi(Api):  # type: ignore[misc]
    """flask-smorest without its own error handlers: the app's problem+json handlers stay in charge."""

    def _register_error_handlers(self) -> None:
        pass


def install_api(app: Flask, settings: Settings) -> Api:
    """Register every blueprint and the OpenAPI document."""
    app.config.update(
        API_TITLE="Kabinet identity gateway",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=settings.docs_cdn,
    )
    app.add_url_rule("/docs/assets/<path:name>", "docs_assets", _docs_asset)
    api = GatewayApi(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    for blp in (
        registration.blp,
        sessions.blp,
        me.blp,
        privacy.blp,
        recovery.blp,
        facade.confirmations,
        facade.services,
    ):
        api.register_blueprint(blp)
    return api


def _swagger_ui_dir() -> Path:
    """Swagger UI 5's files as shipped by the swagger-ui-py wheel (found without importing it)."""
    spec = importlib.util.find_spec("swagger_ui")
    assert spec and spec.submodule_search_locations, "swagger-ui-py is not installed"
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def _docs_asset(name: str) -> Response:
    return send_from_directory(_swagger_ui_dir(), name, max_age=86400)
