"""HTTP plumbing shared by every service: problem+json errors, correlation ids, probes, metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, g, jsonify, request
from marshmallow import ValidationError
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pymongo.errors import ConnectionFailure, OperationFailure
from werkzeug.exceptions import HTTPException

from kabinet.logs import set_correlation
from kabinet.mongo import server_unavailable

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
TYPE_BASE = "https://kabinet.example/problems/"


@dataclass(frozen=True)
class ProblemSpec:
    """How a domain error is shown: status, type slug, title, extra fields and headers."""

    status: int
    slug: str
    title: str
    extra: Callable[[Exception], Mapping[str, Any]] = field(default=lambda _e: {})
    headers: Callable[[Exception], Mapping[str, str]] = field(default=lambda _e: {})


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """An RFC 9457 problem response."""
    body: dict[str, Any] = {"type": TYPE_BASE + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    resp = jsonify(body)
    resp.status_code = status
    resp.mimetype = PROBLEM
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def validation_problem(errors: Mapping[str, Any]) -> Response:
    """`422` naming every bad field."""
    fields = ", ".join(sorted(errors))
    return problem(422, "validation-error", "Invalid input", f"Check the fields: {fields}", errors=errors)


def install_errors(app: Flask, table: Mapping[type[Exception], ProblemSpec]) -> None:
    """One error handler: validation → 422, the domain table → 4xx, HTTP errors → problems,
    the database unreachable → 503 (a retryable outage, not a bug), JSON nested too deeply → 400."""

    @app.errorhandler(ValidationError)
    def _invalid(exc: ValidationError) -> Response:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return validation_problem(messages)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        data = getattr(exc, "data", None)  # webargs/flask-smorest put validation errors here
        if exc.code == 422 and data and "messages" in data:
            msgs = data["messages"]
            return validation_problem(msgs.get("json", msgs) if isinstance(msgs, dict) else msgs)
        slug = (exc.name or "error").lower().replace(" ", "-")
        return problem(exc.code or 500, slug, exc.name or "Error", exc.description)

    for exc_type, spec in table.items():
        app.register_error_handler(exc_type, _domain_handler(spec))

    @app.errorhandler(ConnectionFailure)
    def _store_down(exc: Exception) -> Response:  # AutoReconnect, ServerSelectionTimeoutError, …
        log.warning("database unavailable", extra={"error": str(exc)[:300]})
        return problem(
            503,
            "service-unavailable",
            "Service unavailable",
            "The database is unreachable; try again shortly.",
            headers={"Retry-After": "5"},
        )

    @app.errorhandler(OperationFailure)
    def _store_failed(exc: OperationFailure) -> Response:
        return _store_down(exc) if server_unavailable(exc) else _crash(exc)

    @app.errorhandler(Exception)
    def _crash(exc: Exception) -> Response:
        log.exception("unhandled error")
        return problem(500, "internal-error", "Internal error", "The error was logged.")

    @app.errorhandler(RecursionError)
    def _too_deep(exc: RecursionError) -> Response:
        if request.is_json:  # json.loads of a hostile body nested past the interpreter's limit
            log.warning("JSON body nested too deeply")
            return problem(400, "bad-request", "Bad Request", "The JSON body is nested too deeply.")
        return _crash(exc)


def _domain_handler(spec: ProblemSpec) -> Callable[[Exception], Response]:
    def handle(exc: Exception) -> Response:
        return problem(
            spec.status,
            spec.slug,
            spec.title,
            str(exc) or None,
            headers=spec.headers(exc),
            **spec.extra(exc),
        )

    return handle


def install_correlation(app: Flask, metrics: HttpMetrics) -> None:
    """Take `X-Correlation-ID` from the request (or make one), echo it, time the request."""

    @app.before_request
    def _start() -> None:
        g.correlation_id = set_correlation(request.headers.get("X-Correlation-ID"))
        g.started = time.perf_counter()

    @app.after_request
    def _finish(resp: Response) -> Response:
        resp.headers["X-Correlation-ID"] = g.get("correlation_id", "")
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        metrics.observe(request.method, endpoint, resp.status_code, time.perf_counter() - g.get("started", 0))
        return resp


class HttpMetrics:
    """Request counters and latency histograms of one app."""

    def __init__(self, registry: CollectorRegistry, service: str) -> None:
        self.registry = registry
        self._count = Counter(
            "http_requests", "HTTP requests", ["service", "method", "endpoint", "status"], registry=registry
        )
        self._latency = Histogram(
            "http_request_seconds", "HTTP latency", ["service", "method", "endpoint"], registry=registry
        )
        self._service = service

    def observe(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        """Record one request."""
        self._count.labels(self._service, method, endpoint, str(status)).inc()
        self._latency.labels(self._service, method, endpoint).observe(seconds)


Check = Callable[[], None]


class CheckFailed(Exception):
    """A readiness check's failure whose message is shown on `/readyz` (no secrets in it)."""


def probes(checks: Mapping[str, Check], registry: CollectorRegistry) -> Blueprint:
    """`/healthz` (process alive), `/readyz` (every check passes), `/metrics` (Prometheus)."""
    bp = Blueprint("probes", __name__)

    @bp.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @bp.get("/readyz")
    def readyz() -> tuple[Response, int]:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                check()
                results[name] = "ok"
            except CheckFailed as exc:
                results[name] = f"down: {exc}"
            except Exception as exc:
                results[name] = f"down: {type(exc).__name__}"
        ok = all(v == "ok" for v in results.values())
        return jsonify(status="ready" if ok else "not-ready", checks=results), 200 if ok else 503

    @bp.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

    return bp
