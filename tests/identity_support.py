"""Helpers of the identity integration and e2e tests: factories, a running app, stub neighbours."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from identity.app import create_app
from identity.bootstrap import SERVICE
from identity.config import Settings
from identity.eventstore import open_accounts
from identity.handlers.events import on_verification_event
from identity.projection import Projection
from kabinet.contracts import Envelope, new_envelope
from kabinet.runtime import Runtime

PASSWORD = "correct horse battery staple"


# Fixtures of the identity integration tests (a plugin of tests/conftest.py): each test module
# may define its own `settings` (or any of these) to change them.
@pytest.fixture
def settings(service_env: dict[str, str]) -> Settings:
    """Identity's settings in the test's namespace (a module overrides it to change some)."""
    return settings_for(service_env)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """Identity's runtime over the module's `settings`, its indexes made."""
    rt = Runtime.open(settings.infra)
    SERVICE.setup(rt)
    yield rt
    rt.close()


@pytest.fixture
def client(settings: Settings, runtime: Runtime) -> Any:
    """A test client of the gateway."""
    return create_app(settings).test_client()


@pytest.fixture
def account(client: Any, runtime: Runtime) -> dict[str, Any]:
    """A signed-up, confirmed subscriber."""
    return sign_up(client, runtime)


def settings_for(service_env: dict[str, str], **env: str) -> Settings:
    """Test settings: bcrypt cost 4 (fast), registration quotas relaxed (tests register many accounts
    from one address), nothing listening on the neighbours' URLs unless given."""
    return Settings.from_env(
        {
            **service_env,
            "IDENTITY_BCRYPT_ROUNDS": "4",
            "IDENTITY_THROTTLE_REGISTRATIONS_PER_IP": "1000000",
            "IDENTITY_THROTTLE_REGISTRATIONS_PER_CONTACT": "1000000",
            "IDENTITY_VERIFICATION_URL": "http://127.0.0.1:9",
            "IDENTITY_BILLING_LINK_URL": "http://127.0.0.1:9",
            "IDENTITY_DOWNSTREAM_TIMEOUT": "1",
            **env,
        }
    )


def random_mobile() -> str:
    """A valid Russian mobile number in a common local format."""
    return f"8 916 {random.randint(100, 999)}-{random.randint(10, 99)}-{random.randint(10, 99)}"


def registration(**overrides: Any) -> dict[str, Any]:
    """A valid registration body with a fresh login, phone and email."""
    login = f"user.{uuid.uuid4().hex[:10]}"
    return {
        "login": login,
        "password": PASSWORD,
        "password_confirmation": PASSWORD,
        "last_name": "Иванов",
        "first_name": "Пётр",
        "middle_name": "Сергеевич",
        "birth_date": "1985-04-12",
        "region": "RU-MOW",
        "phone": random_mobile(),
        "email": f"{login}@example.ru",
        "confirm_via": "sms",
        **overrides,
    }


def contact_confirmed(account_id: str, destination: str, **overrides: Any) -> Envelope:
    """Verification's ContactConfirmed for a registration code sent by SMS."""
    payload = {
        "challenge_id": str(uuid.uuid4()),
        "account_id": account_id,
        "purpose": "registration",
        "request_id": None,
        "channel": "sms",
        "destination": destination,
        **overrides,
    }
    return new_envelope(
        "ContactConfirmed", payload, event_version=1, producer="verification",
        stream_id=f"challenge-{payload['challenge_id']}", stream_version=2, correlation_id=str(uuid.uuid4()),
    )  # fmt: skip


def project(runtime: Runtime) -> None:
    """Apply every stored account event to the read model (what the projection consumer does)."""
    projection = Projection(runtime.db)
    for env in runtime.store.all():
        projection.apply(env)


def confirm(runtime: Runtime, account_id: str, destination: str, **overrides: Any) -> None:
    """Handle a ContactConfirmed as the confirmations consumer would, then project."""
    accounts = open_accounts(runtime)
    on_verification_event(accounts, contact_confirmed(account_id, destination, **overrides))
    project(runtime)


def sign_up(client: Any, runtime: Runtime, **overrides: Any) -> dict[str, Any]:
    """Register and confirm over the real app; the body plus `account_id` and `phone_e164`."""
    body = registration(**overrides)
    reply = client.post("/api/v1/registrations", json=body)
    assert reply.status_code == 201, reply.json
    account_id = reply.json["account_id"]
    stored = runtime.store.load(f"account-{account_id}")[0].payload
    confirm(runtime, account_id, stored["phone"])
    return {**body, "account_id": account_id, "phone_e164": stored["phone"]}


def bearer(token: str) -> dict[str, str]:
    """An Authorization header."""
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve a (stub) Flask app on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def stub(routes: dict[tuple[str, str], Callable[..., Any]]) -> Flask:
    """A neighbour service answering the given `(method, path)` routes."""
    app = Flask(f"stub-{uuid.uuid4().hex[:6]}")
    for (method, path), view in routes.items():
        app.add_url_rule(path, endpoint=f"{method}{path}", view_func=view, methods=[method])
    return app
