"""A database that cannot serve right now is a 503 with Retry-After; any other failure a 500."""

from __future__ import annotations

import pytest
from flask import Flask
from pymongo.errors import AutoReconnect, OperationFailure

from kabinet.web import install_errors


def app_raising(exc: Exception) -> Flask:
    app = Flask(__name__)
    install_errors(app, {})

    @app.get("/boom")
    def boom() -> str:
        raise exc

    return app


@pytest.mark.parametrize(
    "exc",
    [
        AutoReconnect("connection refused"),
        OperationFailure("context canceled", code=1),  # FerretDB cut short by its shutdown
        OperationFailure("interrupted at shutdown", code=11600),
        OperationFailure("not primary", code=10107),
    ],
    ids=["lost-connection", "ferretdb-shutdown", "mongod-shutdown", "stepped-down"],
)
def test_a_server_that_cannot_serve_now_is_a_503_to_retry(exc):
    reply = app_raising(exc).test_client().get("/boom")
    assert reply.status_code == 503
    assert reply.headers["Retry-After"] == "5"
    assert reply.json["type"].endswith("service-unavailable")


@pytest.mark.parametrize(
    "exc",
    [OperationFailure("unknown operator: $foo", code=2), OperationFailure("internal bug", code=1)],
    ids=["bad-command", "other-internal-error"],
)
def test_a_command_the_server_refused_is_our_500(exc):
    reply = app_raising(exc).test_client().get("/boom")
    assert reply.status_code == 500
    assert reply.json["type"].endswith("internal-error")
