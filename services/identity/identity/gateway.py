"""What the request handlers depend on, in one object (built by `bootstrap.build_gateway`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from identity.config import Settings
from identity.downstream import Downstream
from identity.eventstore import Accounts
from identity.security import AccessTokens, PasswordHasher
from identity.sessions import SessionStore
from identity.throttle import Throttle


class Directory(Protocol):
    """Read-model lookups the handlers need (`queries.Queries`; fakes in unit tests)."""

    def owner_of(self, kind: str, value: str) -> str | None: ...
    def me(self, account_id: str) -> dict[str, Any] | None: ...


class ServiceView(Protocol):
    """The gateway's view of subscribers' services (`service_views.ServiceViews`)."""

    def list(self, account_id: str) -> list[dict[str, Any]]: ...
    def details(self, account_id: str, link_id: str) -> dict[str, Any] | None: ...
    def record(self, link_id: str, state: Mapping[str, Any]) -> None: ...


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Gateway:
    """The identity gateway's adapters and settings."""

    settings: Settings
    accounts: Accounts
    directory: Directory
    hasher: PasswordHasher
    common_passwords: frozenset[str]
    sessions: SessionStore
    tokens: AccessTokens
    throttle: Throttle
    verification: Downstream
    billing_link: Downstream
    clock: Callable[[], datetime] = field(default=_now)
    erasure: Any = None  # identity.erasure.Erasure (None in unit tests that need none)
    exports: Any = None  # identity.exports.ExportReader
    services: ServiceView | None = None  # None in unit tests that read no services
