"""Fetch batching that follows the traffic (`kabinet.kafka.FetchPacer`), on a stand-in fetcher."""

from __future__ import annotations

from types import SimpleNamespace

from kabinet.kafka import FetchPacer

IDLE = {"fetch_min_bytes": 1, "fetch_max_wait_ms": 2000}
LINGERING = {"fetch_min_bytes": FetchPacer.BUSY_MIN_BYTES, "fetch_max_wait_ms": 20}


def consumer_with_fetcher() -> SimpleNamespace:
    """What the pacer reads of a kafka-python consumer: its fetcher's config."""
    return SimpleNamespace(_fetcher=SimpleNamespace(config=dict(IDLE)))


def settings(consumer: SimpleNamespace) -> dict[str, object]:
    return {k: consumer._fetcher.config[k] for k in IDLE}


def stream(pacer: FetchPacer, per_second: int, seconds: float, start: float = 0.0) -> float:
    """Polls of one record each at `per_second`; the time after the last."""
    t = start
    for _ in range(int(per_second * seconds)):
        t += 1 / per_second
        pacer.polled(1, t)
    return t


def test_a_stream_a_linger_would_gather_three_of_makes_the_fetches_linger():
    consumer = consumer_with_fetcher()
    pacer = FetchPacer(consumer, linger_ms=20)

    stream(pacer, per_second=200, seconds=1.0)  # 4 records per 20 ms

    assert pacer.lingering and settings(consumer) == LINGERING
    assert pacer.timeout(500) == 60  # a short poll: the rate is read again soon


def test_a_slower_stream_is_fetched_record_by_record():
    consumer = consumer_with_fetcher()
    pacer = FetchPacer(consumer, linger_ms=20)

    stream(pacer, per_second=50, seconds=2.0)  # one record per 20 ms: a linger would only wait

    assert not pacer.lingering and settings(consumer) == IDLE
    assert pacer.timeout(500) == 500


def test_lingering_stops_when_the_stream_falls_below_half_the_rate_that_started_it():
    consumer = consumer_with_fetcher()
    pacer = FetchPacer(consumer, linger_ms=20)
    t = stream(pacer, per_second=200, seconds=1.0)

    t = stream(pacer, per_second=100, seconds=1.5, start=t)  # 2 per linger: still worth it
    assert pacer.lingering

    stream(pacer, per_second=50, seconds=1.5, start=t)  # 1 per linger
    assert not pacer.lingering and settings(consumer) == IDLE


def test_linger_zero_or_a_consumer_without_a_fetcher_is_left_as_it_is():
    consumer = consumer_with_fetcher()
    off = FetchPacer(consumer, linger_ms=0)
    stream(off, per_second=1000, seconds=1.0)
    assert not off.lingering and settings(consumer) == IDLE

    bare = FetchPacer(object(), linger_ms=20)
    stream(bare, per_second=1000, seconds=1.0)
    assert not bare.lingering and bare.timeout(500) == 500
