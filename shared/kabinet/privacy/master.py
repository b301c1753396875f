"""Master keys that wrap subject keys: a keyring read from `KABINET_MASTER_KEY`.

The setting lists `kid:base64key` entries separated by commas; the FIRST wraps new and
re-wrapped subject keys, every entry unwraps. Rotation without downtime:

1. add the new key as a second entry everywhere (`old,new`): every process can read both;
2. put it first everywhere (`new,old`): new subject keys are wrapped with it;
3. run `python -m kabinet.privacy rotate`: every subject key is re-wrapped with it;
4. drop the old entry.

Without the setting a fixed development key is used and a loud warning is logged.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from kabinet.privacy.crypto import KEY_BYTES, b64d, b64e, decrypt, encrypt

log = logging.getLogger(__name__)
DEV_KID = "dev"
_DEV_KEY = hashlib.sha256(b"kabinet development master key - never use in production").digest()


class UnknownMasterKey(RuntimeError):
    """A subject key is wrapped by a master key this process does not have (configuration)."""


@dataclass(frozen=True)
class MasterKeyring:
    """Master keys by id; `current` wraps."""

    keys: dict[str, bytes]
    current: str

    @classmethod
    def parse(cls, setting: str) -> MasterKeyring:
        """From `kid:base64key[,kid:base64key…]`; the development key when empty."""
        if not setting.strip():
            log.warning(
                "KABINET_MASTER_KEY is not set: personal data is encrypted with the PUBLIC "
                "development master key. Set KABINET_MASTER_KEY in any real deployment."
            )
            return cls({DEV_KID: _DEV_KEY}, DEV_KID)
        keys: dict[str, bytes] = {}
        for entry in (e.strip() for e in setting.split(",") if e.strip()):
            kid, _, raw = entry.partition(":")
            key = b64d(raw)
            if not kid or len(key) != KEY_BYTES:
                raise ValueError("KABINET_MASTER_KEY entries must be kid:base64(32 bytes)")
            keys[kid] = key
        return cls(keys, next(iter(keys)))

    @staticmethod
    def entry(kid: str, key: bytes) -> str:
        """One `kid:base64key` entry of the setting."""
        return f"{kid}:{b64e(key)}"

    def wrap(self, key: bytes, *, label: str) -> tuple[str, str]:
        """(master kid, wrapped key) of a subject key; `label` names the key it wraps."""
        return self.current, b64e(encrypt(self.keys[self.current], key, label.encode()))

    def unwrap(self, kid: str, wrapped: str, *, label: str) -> bytes:
        """The subject key, or `UnknownMasterKey`."""
        master = self.keys.get(kid)
        if master is None:
            raise UnknownMasterKey(f"subject key {label} is wrapped by master key {kid!r}, not configured")
        return decrypt(master, b64d(wrapped), label.encode())
