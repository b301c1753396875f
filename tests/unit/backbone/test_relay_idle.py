"""The relay polls an idle outbox less and less often, and at once again when work arrives."""

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

    def is_set(self) -> bool:
        return len(self.pauses) >= self._limit

    def wait(self, seconds: float) -> bool:
        self.pauses.append(seconds)
        return self.is_set()


class AlwaysHeld:
    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


def run(busy_polls: set[int], pauses: int) -> list[float]:
    outbox, stop = Pending(busy_polls), Clockless(pauses)
    relay = OutboxRelay.__new__(OutboxRelay)
    relay.publish_pending = outbox.publish_pending  # type: ignore[method-assign]
    relay.run(stop, AlwaysHeld(), idle_sleep=0.05, idle_max=0.4)  # type: ignore[arg-type]
    return stop.pauses


def test_an_idle_outbox_is_polled_every_50_ms_for_a_second_then_ever_less_often_up_to_400_ms():
    pauses = run(busy_polls=set(), pauses=26)
    assert pauses[:20] == [0.05] * 20
    assert pauses[20:24] == [0.1, 0.2, 0.4, 0.4]


def test_work_found_brings_the_pause_back_down_at_once():
    pauses = run(busy_polls={25}, pauses=26)  # the 25th poll finds appends: no pause, then 50 ms
    assert pauses[22:24] == [0.4, 0.4]
    assert pauses[24] == 0.05
