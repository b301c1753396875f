"""The demo dataset goes through the real feed topic into the directory; a second run sends nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from support import drive

from billing_link.bootstrap import wire
from billing_link.config import Settings
from billing_link.consumers import CONSUMERS
from billing_link.demo import demo_envelopes, publish
from billing_link.demo_data import accounts
from billing_link.domain import Service
from kabinet.contracts.topics import BILLING_FEED
from kabinet.runtime import Runtime
from kabinet.service import build_loop

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(service_env: dict[str, str]) -> Settings:
    return Settings.from_env(service_env)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime.open(settings.infra)
    yield rt
    rt.close()


def test_the_demo_feed_is_published_once_and_projected(settings: Settings, runtime: Runtime) -> None:
    envelopes = demo_envelopes()
    assert publish(envelopes, settings) == (len(envelopes), 0)
    assert publish(envelopes, settings) == (0, len(envelopes))

    spec = replace(CONSUMERS["projection"], topics=(BILLING_FEED,))  # the directory's consumer, feed only
    consumer, loop = build_loop(runtime, spec)
    try:
        drive(loop, lambda: loop.stats.handled >= len(envelopes), what="the demo accounts")
    finally:
        consumer.close(autocommit=False)
    directory = wire(runtime).directory
    assert len(directory.docs([a["account_number"] for a in accounts()])) == len(envelopes)
    found = directory.find(Service("RU-SPE", "home_phone", "+78122000002"))
    assert found is not None and found.account_number == "780020000012"
