"""Blind indexes: keyed digests that are stable per key and name, and whose key lives in the key store."""

from __future__ import annotations

import pytest

from kabinet.privacy.blind import INDEX_PURPOSE, BlindIndex, IndexKeyMissing, index_key
from kabinet.privacy.keystore import MemoryKeyStore


def test_a_digest_is_stable_and_depends_on_the_key_the_index_and_the_value():
    index = BlindIndex(b"k" * 32, "login")
    assert index.digest("ivanov.petr") == BlindIndex(b"k" * 32, "login").digest("ivanov.petr")
    others = {
        BlindIndex(b"k" * 32, "login").digest("ivanov.pavel"),
        BlindIndex(b"k" * 32, "throttle").digest("ivanov.petr"),
        BlindIndex(b"x" * 32, "login").digest("ivanov.petr"),
    }
    assert index.digest("ivanov.petr") not in others and len(others) == 3
    assert len(index.digest("ivanov.petr")) == 43 and "ivanov" not in index.digest("ivanov.petr")


def test_the_key_is_loaded_once_on_first_use():
    calls: list[int] = []

    def load() -> bytes:
        calls.append(1)
        return b"k" * 32

    index = BlindIndex(load, "login")
    assert calls == []
    index.digest("a"), index.digest("b"), index.subkey("x")
    assert calls == [1] and len(index.subkey("x")) == 64


def test_the_index_key_comes_from_the_key_store_and_is_the_same_for_every_process():
    keys = MemoryKeyStore()
    first = BlindIndex(index_key(keys, "identity"), "login").digest("ivanov.petr")
    again = BlindIndex(index_key(keys, "identity"), "login").digest("ivanov.petr")
    other_service = BlindIndex(index_key(keys, "billing-link"), "login").digest("ivanov.petr")
    assert first == again != other_service
    assert keys.existing("identity", INDEX_PURPOSE) is not None


def test_a_refused_index_key_is_a_loud_error():
    keys = MemoryKeyStore()
    keys.destroy("identity")
    with pytest.raises(IndexKeyMissing):
        BlindIndex(index_key(keys, "identity"), "login").digest("x")
