"""A suite of real processes for fault tests: its Mongo reached through a proxy that can "stop" it.

One suite serves every quick fault test of this directory (they run in `make test`): the
processes are launched by `bench.suite.Suite` (deploy/services.py + the e2e launch helpers)
with a watchdog that restarts whatever exits, as the `make run` supervisor does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from bench.suite import Suite
from chaos.proxy import TcpProxy
from pymongo.uri_parser import parse_uri


@pytest.fixture(scope="session")
def mongo_proxy(servers: dict[str, str]) -> Iterator[TcpProxy]:
    """The shared Mongo server behind a proxy of our own."""
    host, port = parse_uri(servers["mongo"])["nodelist"][0]
    proxy = TcpProxy(host, port)
    yield proxy
    proxy.close()


_STOPS: dict[str, Callable[[], None]] = {}


@pytest.fixture(scope="session")
def chaos_suite(servers: dict[str, str], mongo_proxy: TcpProxy, mongo_client: Any) -> Iterator[Suite]:
    """The four services, relays, consumers and dev inbox; Mongo through the proxy."""
    suite = Suite.start(
        {"kafka": servers["kafka"], "mongo": mongo_proxy.uri},
        env={"IDENTITY_TRUST_FORWARDED_FOR": "1", "LOG_LEVEL": "WARNING"},
        name="chaos",
    )

    def stop() -> None:
        mongo_proxy.up()
        suite.stop(drop=mongo_client)

    _STOPS["chaos_suite"] = stop
    try:
        yield suite
    finally:
        _STOPS.pop("chaos_suite", lambda: None)()


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Stop the suite as soon as no further test needs it (its idle processes cost CPU)."""
    for name in list(_STOPS):
        if nextitem is None or name not in getattr(nextitem, "fixturenames", ()):
            _STOPS.pop(name)()
