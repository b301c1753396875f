"""Fetch batching that follows the traffic (`kabinet.kafka.FetchPacer`), on a stand-in fetcher."""

from __future__ import annotations

from types import SimpleNamespace

from kabinet.kafka import FetchPacer

IDLE = {"fetch_min_bytes": 1, "fetch_max_wait_ms": 2000}


def consumer_with_fetcher() -> SimpleNamespace:
    """What the pacer reads of a kafka-python consumer: its fetcher's config."""
    return SimpleNamespace(_fetcher=SimpleNamespace(config=dict(IDLE)))


def settings(consumer: SimpleNamespace) -> dict[str, object]:
    return {k: consumer._fetcher.config[k] for k in IDLE}


def test_a_poll_of_several_records_makes_the_next_fetches_gather_for_a_linger():
    consumer = consumer_with_fetcher()
    pacer = FetchPacer(consumer, linger_ms=20)

    pacer.polled(records=3)

    assert pacer.lingering
    assert settings(consumer) == {"fetch_min_bytes": FetchPacer.BUSY_MIN_BYTES, "fetch_max_wait_ms": 20}
    assert pacer.timeout(500) == 60  # a short poll: an empty one ends the lingering soon


def test_lingering_lasts_while_polls_bring_several_records_and_a_thin_poll_ends_it():
    consumer = consumer_with_fetcher()
    pacer = FetchPacer(consumer, linger_ms=20)
    pacer.polled(records=2)

    pacer.polled(records=4)
    assert pacer.lingering

    pacer.polled(records=1)  # a linger gathered one record: the stream is a trickle
    assert not pacer.lingering
    assert settings(consumer) == IDLE
    assert pacer.timeout(500) == 500


def test_records_one_at_a_time_or_none_never_start_lingering():
    consumer = consumer_with_fetcher()
    pacer = FetchPacer(consumer, linger_ms=20)

    for records in (1, 0, 1, 1):
        pacer.polled(records=records)
        assert not pacer.lingering and settings(consumer) == IDLE


def test_linger_zero_or_a_consumer_without_a_fetcher_is_left_as_it_is():
    consumer = consumer_with_fetcher()
    off = FetchPacer(consumer, linger_ms=0)
    off.polled(records=5)
    assert not off.lingering and settings(consumer) == IDLE

    bare = FetchPacer(object(), linger_ms=20)
    bare.polled(records=5)
    assert not bare.lingering and bare.timeout(500) == 500
