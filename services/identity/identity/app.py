"""`create_app()`: the only way to build the identity service's Flask app."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from identity import domain as d
from identity.api import install_api
from identity.bootstrap import SERVICE, build_gateway, setup
from identity.config import Settings
from identity.downstream import DownstreamProblem, DownstreamUnavailable
from identity.handlers.recovery import RecoveryInvalid
from identity.security import TokenInvalid
from identity.sessions import RefreshInvalid
from identity.throttle import Throttled
from identity.web import blueprint as web_ui
from kabinet.flaskapp import base_app
from kabinet.runtime import Runtime
from kabinet.web import PROBLEM, ProblemSpec, problem

log = logging.getLogger(__name__)


def _field_errors(exc: Exception) -> Mapping[str, object]:
    if isinstance(exc, d.WeakPassword):
        return {"errors": {exc.field: exc.reasons}}
    if isinstance(exc, d.PasswordMismatch):
        return {"errors": {exc.field: [str(exc)]}}
    return {"errors": {getattr(exc, "field", "current_password"): [str(exc)]}}


def _retry_after(exc: Exception) -> Mapping[str, str]:
    return {"Retry-After": str(getattr(exc, "retry_after", 5))}


def _throttled(exc: Exception) -> Mapping[str, object]:
    reason = getattr(exc, "reason", None)  # which limit: registrations-per-ip|phone|email
    return {"retry_after": getattr(exc, "retry_after", 1)} | ({"reason": reason} if reason else {})


_INVALID = ProblemSpec(422, "validation-error", "Invalid input", extra=_field_errors)
ERRORS: dict[type[Exception], ProblemSpec] = {
    d.LoginTaken: ProblemSpec(409, "login-taken", "Login taken"),
    d.InvalidCredentials: ProblemSpec(401, "invalid-credentials", "Wrong login or password"),
    d.ConfirmationRequired: ProblemSpec(403, "confirmation-required", "Confirmation required"),
    d.WeakPassword: _INVALID,
    d.PasswordMismatch: _INVALID,
    d.CurrentPasswordWrong: _INVALID,
    d.ChannelNotConfirmed: _INVALID,
    d.AccountNotFound: ProblemSpec(404, "not-found", "Not found"),
    d.ServiceNotFound: ProblemSpec(404, "not-found", "No such service link"),
    d.SessionNotFound: ProblemSpec(404, "not-found", "No such session"),
    d.AccountNotActive: ProblemSpec(409, "account-not-active", "The account is not active"),
    Throttled: ProblemSpec(
        429,
        "too-many-attempts",
        "Too many attempts",
        extra=_throttled,
        headers=_retry_after,
    ),
    TokenInvalid: ProblemSpec(
        401,
        "unauthorized",
        "Sign in first",
        headers=lambda _e: {"WWW-Authenticate": 'Bearer realm="kabinet"'},
    ),
    RefreshInvalid: ProblemSpec(401, "invalid-refresh-token", "Sign in again"),
    RecoveryInvalid: ProblemSpec(410, "recovery-invalid", "The code or link is wrong, used or expired"),
    DownstreamUnavailable: ProblemSpec(
        503, "service-unavailable", "Service unavailable", headers=_retry_after
    ),
}


def _pass_through(exc: DownstreamProblem) -> Response:
    """An internal service's refusal, unchanged: status, problem body, Retry-After."""
    reply = exc.reply
    if isinstance(reply.body, dict) and "type" in reply.body:
        resp = Response(json.dumps(reply.body, ensure_ascii=False), status=reply.status, mimetype=PROBLEM)
    else:
        resp = problem(reply.status, "downstream-error", "Request refused", None)
    for name, value in reply.headers.items():
        resp.headers[name] = value
    return resp


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app; clients are created here, in the worker process."""
    settings = settings or Settings.from_env()
    runtime = Runtime.open(settings.infra)
    app = base_app("identity", runtime, errors=ERRORS, produces=SERVICE.produces)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    if settings.trust_forwarded_for:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)
    app.register_error_handler(DownstreamProblem, _pass_through)
    app.extensions["identity"] = build_gateway(settings, runtime)
    install_api(app, settings)
    app.register_blueprint(web_ui)  # the subscriber's web UI at / (a client of the public API)
    try:
        setup(runtime)
    except Exception:  # the API still starts; /readyz reports Mongo down
        log.exception("index creation failed")
    return app
