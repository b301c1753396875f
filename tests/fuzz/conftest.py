"""The suite for fuzzing and abuse tests: one gateway with rate limits relaxed (schemathesis), one strict.

Both identity APIs share the suite's databases and topics; the strict one keeps the default
throttles and trusts `X-Forwarded-For` (as behind the operator's proxy), so abuse tests can
play many client addresses.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from bench.suite import Suite, free_port

RELAXED = {
    "IDENTITY_THROTTLE_LOGIN_FREE": "1000000",
    "IDENTITY_THROTTLE_IP_FREE": "1000000",
    "IDENTITY_THROTTLE_RECOVERY_PER_IP": "1000000",
    "IDENTITY_THROTTLE_REGISTRATIONS_PER_IP": "1000000",
    "IDENTITY_THROTTLE_REGISTRATIONS_PER_CONTACT": "1000000",
    "LOG_LEVEL": "WARNING",
}
STRICT = {
    "IDENTITY_THROTTLE_LOGIN_FREE": "5",
    "IDENTITY_THROTTLE_IP_FREE": "20",
    "IDENTITY_THROTTLE_RECOVERY_PER_IP": "20",
    "IDENTITY_THROTTLE_REGISTRATIONS_PER_IP": "5",
    "IDENTITY_THROTTLE_REGISTRATIONS_PER_CONTACT": "5",
    "IDENTITY_TRUST_FORWARDED_FOR": "1",
}


@dataclass(frozen=True)
class FuzzSuite:
    """The running suite, its relaxed gateway and its strict gateway."""

    suite: Suite
    relaxed: str
    strict: str

    def messages(self, to: str) -> list[dict[str, Any]]:
        """The dev inbox for one address."""
        return self.suite.messages(to)


_STOPS: dict[str, Callable[[], None]] = {}


@pytest.fixture(scope="session")
def fuzz_suite(servers: dict[str, str], mongo_client: Any) -> Iterator[FuzzSuite]:
    """Every service as real processes plus a second, strict identity API."""
    port = free_port()
    cmd = [sys.executable, "-m", "identity", "api", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    suite = Suite.start(servers, env=RELAXED, extra={"identity-api-strict": (cmd, STRICT)}, name="fuzz")
    _STOPS["fuzz_suite"] = lambda: suite.stop(drop=mongo_client)
    strict = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _ready(strict):
            assert time.monotonic() < deadline, f"the strict gateway did not start; logs in {suite.logs}"
            time.sleep(0.3)
        yield FuzzSuite(suite, suite.gateway, strict)
    finally:
        _STOPS.pop("fuzz_suite", lambda: None)()


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Stop the suite as soon as no further test needs it (its idle processes cost CPU)."""
    for name in list(_STOPS):
        if nextitem is None or name not in getattr(nextitem, "fixturenames", ()):
            _STOPS.pop(name)()


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/readyz", timeout=3).status_code == 200
    except requests.RequestException:
        return False
