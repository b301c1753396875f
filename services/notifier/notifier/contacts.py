"""The contacts projection: each account's addresses from identity's account events.

A pure projection (the `contacts` consumer, replayable by `kabinet.ops rebuild`): every
event of an account stream is applied at its stream version, so a redelivery changes
nothing and the messages consumer can tell whether the projection has caught up with an
event before it plans a notice from it. AccountErased leaves a tombstone at its version;
a shredded event (replayed after an erasure) carries nothing to keep.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from kabinet.contracts import Envelope
from kabinet.privacy.crypto import ERASED
from notifier.domain import contact_update

COLLECTIONS = ("contacts",)


class ContactStore(Protocol):
    """Where the projection writes (Mongo's `AccountsView`, or a fake in unit tests)."""

    def write(self, account_id: str, version: int, fields: Mapping[str, Any]) -> None: ...
    def tombstone(self, account_id: str, version: int) -> None: ...


class ContactsProjection:
    """Applies account events to the contacts read model."""

    def __init__(self, store: ContactStore) -> None:
        self._store = store

    def apply(self, env: Envelope) -> None:
        """Apply one event of `kabinet.accounts.events` (other streams carry no contacts)."""
        p = env.payload
        account = str(p.get("account_id") or "")
        if not account or not env.stream_id.startswith("account-"):
            return
        if env.event_type == "AccountErased":
            self._store.tombstone(account, env.stream_version)
        elif ERASED not in p.values():
            self._store.write(account, env.stream_version, contact_update(env.event_type, p) or {})
