"""An append's ring reaches the relay's door over loopback UDP; without one the door times out."""

from __future__ import annotations

import socket

import pytest

from kabinet.doorbell import Bell, Door, parse


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def address() -> tuple[str, int]:
    return ("127.0.0.1", free_udp_port())


def test_a_ring_opens_the_door_and_one_wait_takes_every_ring_waiting(address):
    door = Door.open(address)
    assert door is not None
    try:
        bell = Bell(address)
        for _ in range(3):
            bell.ring()
        assert door.wait(5.0) is True
        assert door.wait(0.05) is False  # the three rings were taken by the first wait
    finally:
        door.close()


def test_without_a_ring_the_door_waits_out_its_timeout(address):
    door = Door.open(address)
    assert door is not None
    try:
        assert door.wait(0.05) is False
    finally:
        door.close()


def test_a_second_door_on_a_taken_address_is_none_so_its_relay_only_polls(address):
    first = Door.open(address)
    assert first is not None
    try:
        assert Door.open(address) is None
    finally:
        first.close()


def test_ringing_with_nobody_listening_or_no_address_is_harmless(address):
    Bell(address).ring()
    Bell(None).ring()
    assert Door.open(None) is None


@pytest.mark.parametrize("text", ["8001", ":8001", "localhost:", "host:port"])
def test_a_malformed_address_fails_loudly(text):
    with pytest.raises(ValueError, match="host:port"):
        parse(text)


def test_an_address_parses_and_empty_means_no_doorbell():
    assert parse("127.0.0.1:8001") == ("127.0.0.1", 8001)
    assert parse("") is None
