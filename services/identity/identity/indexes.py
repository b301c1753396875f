"""Identity's blind indexes (`kabinet.privacy.blind`): keyed digests instead of logins and addresses."""

from __future__ import annotations

from kabinet.privacy.blind import BlindIndex, index_key
from kabinet.privacy.keystore import KeyStore

SERVICE = "identity"


def login_index(keys: KeyStore) -> BlindIndex:
    """Digests naming login reservation streams."""
    return BlindIndex(index_key(keys, SERVICE), "login")


def throttle_index(keys: KeyStore) -> BlindIndex:
    """Digests naming throttle documents (logins, client addresses, contacts)."""
    return BlindIndex(index_key(keys, SERVICE), "throttle")
