"""Identity's read model: a notification recorded while its account is erased does not outlive it.

NotificationSent comes on the notifier's topic, AccountErased on the accounts topic: the
projection handles them side by side in two lanes. The test lets the erasure run in the
instant between the projection's check and its write.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from identity.projection import Projection
from kabinet.contracts import REGISTRY, Envelope, new_envelope

pytestmark = pytest.mark.integration


def event(event_type: str, stream_id: str, version: int = 1, **payload: Any) -> Envelope:
    spec = REGISTRY.latest(event_type)
    return new_envelope(
        event_type, {**spec.example, **payload}, event_version=spec.version, producer=spec.producer,
        stream_id=stream_id, stream_version=version, correlation_id="c", occurred_at=datetime.now(UTC),
    )  # fmt: skip


class ErasureFirst:
    """The notifications collection, with the other lane's erasure landing just before a write."""

    def __init__(self, coll: Any, erase: Any) -> None:
        self._coll, self._erase = coll, erase

    def update_one(self, *args: Any, **kwargs: Any) -> Any:
        self._erase()
        return self._coll.update_one(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._coll, name)


def test_a_notification_recorded_while_the_account_is_erased_is_not_kept(db) -> None:
    account = str(uuid.uuid4())
    stream = f"account-{account}"
    lane, other_lane = Projection(db), Projection(db)
    lane.apply(event("UserRegistered", stream, account_id=account))
    erased = event("AccountErased", stream, version=2, account_id=account)
    lane._notifications = ErasureFirst(db["notifications"], lambda: other_lane.apply(erased))  # type: ignore[assignment]
    sent = event("NotificationSent", f"notification-{uuid.uuid4()}", account_id=account,
                 notification_id=str(uuid.uuid4()))  # fmt: skip

    kept = lane.apply(sent)

    assert not kept
    assert db["notifications"].count_documents({"account_id": account}) == 0
    assert db["accounts"].find_one({"_id": account})["status"] == "erased"


def test_a_notification_of_a_live_account_is_kept(db) -> None:
    account = str(uuid.uuid4())
    projection = Projection(db)
    projection.apply(event("UserRegistered", f"account-{account}", account_id=account))

    projection.apply(event("NotificationSent", f"notification-{uuid.uuid4()}", account_id=account))

    assert db["notifications"].count_documents({"account_id": account}) == 1
