"""Blind indexes: keyed digests (HMAC-SHA256) that stand in for personal data in ids and lookups.

A service that only needs to find or compare a value (a login's reservation, a throttle
key, a billing holder's name) stores `BlindIndex.digest(value)` instead of the value:
equal values give equal digests, and nobody without the key can read them back.

The key is the service's **index key**, kept in the key store (subject = the service,
purpose `index`), made at random on first use and wrapped by the master key like any
subject key. It is not derived from `KABINET_MASTER_KEY`: a master-key rotation re-wraps
it and never changes a digest (a changed digest would free every reserved login and stop
every holder match). It is never destroyed: erasure destroys account subjects only.
Each index derives a key of its own from it by name, so digests of one index say nothing
about another's.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable

from kabinet.privacy.crypto import b64e
from kabinet.privacy.keystore import KeyStore

INDEX_PURPOSE = "index"


class IndexKeyMissing(RuntimeError):
    """The key store refused an index key (its subject was erased: a configuration error)."""


class BlindIndex:
    """Digests of one kind of value under one key; the key is loaded on first use."""

    def __init__(self, key: bytes | Callable[[], bytes], name: str) -> None:
        self._source = key
        self._name = name.encode()
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def digest(self, value: str) -> str:
        """The keyed digest of `value` (43 URL-safe base64 characters)."""
        return b64e(hmac.new(self._own_key(), value.encode(), hashlib.sha256).digest())

    def subkey(self, label: str) -> bytes:
        """A 64-byte key for another use of this index (e.g. AES-SIV sealing), derived by label."""
        return hmac.new(self._own_key(), b"subkey|" + label.encode(), hashlib.sha512).digest()

    def _own_key(self) -> bytes:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    root = self._source() if callable(self._source) else self._source
                    self._key = hmac.new(root, b"kabinet blind index|" + self._name, hashlib.sha256).digest()
        return self._key


def index_key(keys: KeyStore, service: str) -> Callable[[], bytes]:
    """A loader of `service`'s index key from the key store (made on first use, shared by its processes)."""

    def load() -> bytes:
        key = keys.key_for(service, INDEX_PURPOSE)
        if key is None:
            raise IndexKeyMissing(f"the key store refuses the index key of {service!r}")
        return key

    return load
