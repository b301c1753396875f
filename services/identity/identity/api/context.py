"""Request context helpers: the gateway, the caller's audit data, bearer authentication."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import current_app, g, request

from identity.eventstore import Audit
from identity.gateway import Gateway
from identity.handlers.signin import authenticate
from identity.security import AccessClaims

F = TypeVar("F", bound=Callable[..., Any])
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def gateway() -> Gateway:
    """The app's gateway."""
    return cast(Gateway, current_app.extensions["identity"])


def audit() -> Audit:
    """Who is calling: address and user agent, for the audit trail and the throttle."""
    return Audit(
        ip=request.remote_addr,
        user_agent=(request.user_agent.string or None) and request.user_agent.string[:256],
    )


def authenticated(view: F) -> F:
    """Require a live `Bearer` access token before anything else (body parsing included)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.claims = authenticate(gateway(), request.headers.get("Authorization"))
        return view(*args, **kwargs)

    return cast(F, wrapper)


def claims() -> AccessClaims:
    """The authenticated caller."""
    return cast(AccessClaims, g.claims)
