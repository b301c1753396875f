"""The write gate: no command is acknowledged while Kafka cannot take the service's events.

Every state-changing request (POST, PUT, PATCH, DELETE) appends events, so while the health
monitor says Kafka is not writable it is answered `503` + `Retry-After` before its view runs:
nothing is appended to the outbox, nothing is acknowledged. Reads keep working from the
projections. A view that appends nothing (a pure computation, a call passed on to another
service that has a gate of its own) is marked `@appends_nothing`; a GET that appends is
marked `@appends_events`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from flask import Flask, Response, current_app, request

from kabinet.broker_verdict import Verdict
from kabinet.web import problem

View = TypeVar("View", bound=Callable[..., Any])
MARK = "kabinet_appends_events"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
RETRY_AFTER_SECONDS = 5
EXTENSION = "kabinet.broker_health"


class Verdicts(Protocol):
    """What the gate asks: the latest verdict (a `BrokerHealth`, or a fake in unit tests)."""

    def verdict(self) -> Verdict:
        """The latest verdict, without blocking."""
        ...


def appends_nothing(view: View) -> View:
    """Exempt a state-changing view that appends no event of this service from the gate."""
    setattr(view, MARK, False)
    return view


def appends_events(view: View) -> View:
    """Gate a view whose method looks safe (GET) but appends events."""
    setattr(view, MARK, True)
    return view


def appends(method: str, view: Callable[..., Any] | None) -> bool:
    """Whether a request with `method` to `view` appends events: its mark, else the method."""
    if view is None:
        return False
    return bool(getattr(view, MARK, method in UNSAFE))


def install_write_gate(app: Flask, health: Verdicts) -> None:
    """Refuse commands with `503` while `health` says Kafka is not writable."""
    app.extensions[EXTENSION] = health

    @app.before_request
    def _gate() -> Response | None:
        if request.routing_exception is not None or request.endpoint is None:
            return None  # 404 / 405 are answered by the router
        if not appends(request.method, current_app.view_functions.get(request.endpoint)):
            return None
        monitor: Verdicts = current_app.extensions[EXTENSION]
        if monitor.verdict().writable:
            return None
        return problem(
            503,
            "service-unavailable",
            "Service unavailable",
            "Events cannot be stored safely right now; nothing was changed. Try again shortly.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
