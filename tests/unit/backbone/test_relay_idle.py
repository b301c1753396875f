"""The relay polls an idle outbox less and less often, and at once again when work arrives;
with a doorbell it waits for a ring between batches instead."""

from __future__ import annotations

from kabinet.relay import OutboxRelay


class Pending:
    """An outbox that has work at the given poll numbers only."""

    def __init__(self, busy_polls: set[int]) -> None:
        self.polls, self._busy = 0, busy_polls

    def publish_pending(self) -> int:
        self.polls += 1
        return 3 if self.polls in self._busy else 0


class Clockless:
    """A stop event that records each pause and stops after `limit` of them."""

    def __init__(self, limit: int) -> None:
        self.pauses: list[float] = []
        self._limit = limit
        self.stopped = False

    def is_set(self) -> bool:
        return self.stopped or len(self.pauses) >= self._limit

    def wait(self, seconds: float) -> bool:
        self.pauses.append(seconds)
        return self.is_set()


class AlwaysHeld:
    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


class FakeDoor:
    """A doorbell rung before each wait; the relay is stopped after the fifth."""

    def __init__(self, stop: Clockless) -> None:
        self.waits: list[float] = []
        self._stop = stop

    def wait(self, timeout: float) -> bool:
        self.waits.append(timeout)
        self._stop.stopped = len(self.waits) >= 5
        return True


def relay_over(outbox: Pending, batch_size: int = 500) -> OutboxRelay:
    relay = OutboxRelay.__new__(OutboxRelay)
    relay._batch = batch_size
    relay.publish_pending = outbox.publish_pending  # type: ignore[method-assign]
    return relay


def run(busy_polls: set[int], pauses: int) -> list[float]:
    outbox, stop = Pending(busy_polls), Clockless(pauses)
    relay_over(outbox).run(stop, AlwaysHeld(), idle_sleep=0.05, idle_max=0.4)  # type: ignore[arg-type]
    return stop.pauses


def test_an_idle_outbox_is_polled_every_50_ms_for_a_second_then_ever_less_often_up_to_400_ms():
    pauses = run(busy_polls=set(), pauses=26)
    assert pauses[:20] == [0.05] * 20
    assert pauses[20:24] == [0.1, 0.2, 0.4, 0.4]


def test_work_found_brings_the_pause_back_down_at_once():
    pauses = run(busy_polls={25}, pauses=26)  # the 25th poll finds appends: no pause, then 50 ms
    assert pauses[22:24] == [0.4, 0.4]
    assert pauses[24] == 0.05


def test_with_a_doorbell_the_relay_waits_for_a_ring_after_each_batch_and_never_sleeps_blind():
    outbox, stop = Pending(busy_polls={2, 3}), Clockless(100)
    door = FakeDoor(stop)
    relay_over(outbox).run(stop, AlwaysHeld(), door=door, door_idle=0.7)  # type: ignore[arg-type]
    assert outbox.polls == 5  # one store read per ring (or per door_idle without one)
    assert door.waits == [0.7] * 5
    assert stop.pauses == []  # no blind sleeps


def test_a_full_batch_is_followed_by_the_next_read_without_waiting_for_a_ring():
    outbox, stop = Pending(busy_polls={1, 2}), Clockless(100)
    door = FakeDoor(stop)
    relay_over(outbox, batch_size=3).run(stop, AlwaysHeld(), door=door)  # type: ignore[arg-type]
    assert outbox.polls == 7  # polls 1 and 2 were full batches: 3rd poll at once, then 4 rings
    assert len(door.waits) == 5
