"""Internal HTTP calls: a keep-alive connection dropped under a request is retried once, nothing more."""

from __future__ import annotations

from http.client import RemoteDisconnected
from typing import Any

import pytest
import requests

from identity.downstream import Downstream, DownstreamUnavailable


class FlakySession(requests.Session):
    """Fails the first `failures` requests with `error`, then answers 200 {}."""

    def __init__(self, failures: int, error: Exception) -> None:
        super().__init__()
        self.failures, self.error, self.calls = failures, error, 0

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        resp = requests.Response()
        resp.status_code, resp._content = 200, b"{}"
        resp.headers["Content-Type"] = "application/json"
        return resp


DROPPED = requests.ConnectionError(
    ("Connection aborted.", RemoteDisconnected("Remote end closed connection without response"))
)


def test_a_connection_dropped_by_the_server_is_retried_once_on_a_fresh_one() -> None:
    session = FlakySession(1, DROPPED)
    reply = Downstream("verification", "http://verification", session, timeout=1).call("POST", "/x")
    assert reply.ok and session.calls == 2


def test_a_second_drop_is_a_503_not_a_loop() -> None:
    session = FlakySession(2, DROPPED)
    with pytest.raises(DownstreamUnavailable):
        Downstream("verification", "http://verification", session, timeout=1).call("POST", "/x")
    assert session.calls == 2


def test_a_refused_connection_or_a_timeout_is_not_retried() -> None:
    for error in (
        requests.ConnectionError("[Errno 111] Connection refused"),
        requests.Timeout("read timed out"),
    ):
        session = FlakySession(1, error)
        with pytest.raises(DownstreamUnavailable):
            Downstream("verification", "http://verification", session, timeout=1).call("POST", "/x")
        assert session.calls == 1
