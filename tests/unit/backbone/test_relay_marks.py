"""A running relay marks what it published in arrears and in bulk, never re-reading it meanwhile."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from kabinet.relay import OutboxRelay


class Outbox:
    """An event store holding appends `e1`, `e2`, … that arrive one per read."""

    def __init__(self, appends: int) -> None:
        self.arrived, self._total = 0, appends
        self.marked: list[list[str]] = []
        self.skipped: list[list[str]] = []

    def unpublished(self, limit: int, *, skip: list[str] = ()) -> list[dict[str, Any]]:
        self.skipped.append(list(skip))
        self.arrived = min(self.arrived + 1, self._total)
        done = {i for batch in self.marked for i in batch} | set(skip)
        ids = [f"e{n}" for n in range(1, self.arrived + 1) if f"e{n}" not in done]
        return [_doc(i) for i in ids[:limit]]

    def mark_published(self, ids: list[str]) -> None:
        self.marked.append(list(ids))


def _doc(event_id: str) -> dict[str, Any]:
    return {
        "_id": event_id, "event_id": "6f1c2d1e-8b3a-4c55-9a39-0d6a3b1f2c4d", "event_type": "LoginFailed",
        "event_version": 1, "occurred_at": datetime.now(UTC), "producer": "identity", "stream_id": "audit-x",
        "stream_version": 1, "correlation_id": "c", "causation_id": None, "topic": "kabinet.accounts.events",
        "payload": {"account_id": None, "login_key": "k", "reason": "bad_credentials", "ip": None,
                    "user_agent": None},
    }  # fmt: skip


class Sent:
    def get(self, timeout: float) -> None:
        return None


class Producer:
    def __init__(self) -> None:
        self.sent = 0

    def send(self, topic: str, **_: Any) -> Sent:
        self.sent += 1
        return Sent()

    def flush(self, timeout: float | None = None) -> None:
        pass


class Held:
    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


class Door:
    """Rung before each wait; the relay stops after `rings` waits."""

    def __init__(self, stop: Any, rings: int) -> None:
        self.waits: list[float] = []
        self._stop, self._rings = stop, rings

    def wait(self, timeout: float) -> bool:
        self.waits.append(timeout)
        if len(self.waits) >= self._rings:
            self._stop.set()
        return True


def run(outbox: Outbox, rings: int, **marks: Any) -> Producer:
    producer, stop = Producer(), threading.Event()
    OutboxRelay(outbox, producer, **marks).run(stop, Held(), door=Door(stop, rings))  # type: ignore[arg-type]
    return producer


def test_a_trickle_is_marked_in_one_bulk_and_never_read_twice_meanwhile():
    outbox = Outbox(appends=4)
    producer = run(outbox, rings=6, mark_after=60.0)
    assert producer.sent == 4  # each append published once
    assert outbox.skipped[:5] == [[], ["e1"], ["e1", "e2"], ["e1", "e2", "e3"], ["e1", "e2", "e3", "e4"]]
    assert outbox.marked == [["e1", "e2", "e3", "e4"]]  # once, when the relay stopped


def test_marks_are_written_once_a_bulk_is_waiting():
    outbox = Outbox(appends=5)
    run(outbox, rings=6, mark_after=60.0, mark_bulk=2)
    assert outbox.marked == [["e1", "e2"], ["e3", "e4"], ["e5"]]


def test_marks_are_written_once_the_oldest_waited_long_enough():
    outbox = Outbox(appends=3)
    run(outbox, rings=4, mark_after=0.0)
    assert outbox.marked == [["e1"], ["e2"], ["e3"]]


def test_the_relay_waits_for_a_ring_no_longer_than_until_its_marks_are_due():
    outbox, stop = Outbox(appends=1), threading.Event()
    door = Door(stop, rings=1)
    OutboxRelay(outbox, Producer(), mark_after=0.3).run(stop, Held(), door=door, door_idle=0.5)  # type: ignore[arg-type]
    assert 0.0 < door.waits[0] <= 0.3  # e1's mark is due then, before door_idle


def test_publish_pending_alone_marks_at_once():
    outbox = Outbox(appends=2)
    relay = OutboxRelay(outbox, Producer(), mark_after=60.0)  # type: ignore[arg-type]
    assert relay.publish_pending() == 1
    assert outbox.marked == [["e1"]]
