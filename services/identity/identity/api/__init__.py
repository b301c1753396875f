"""The gateway's HTTP API: flask-smorest blueprints, OpenAPI 3.1 at /openapi.json, docs at /docs."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from identity.api import facade, me, recovery, registration, sessions
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
    api = GatewayApi(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    for blp in (
        registration.blp,
        sessions.blp,
        me.blp,
        recovery.blp,
        facade.confirmations,
        facade.services,
    ):
        api.register_blueprint(blp)
    return api
