"""Registry of the identity service's consumers: group, topics, handler."""

from __future__ import annotations

from identity.eventstore import Accounts, MongoCredentials
from identity.handlers.events import on_verification_event
from identity.projection import Projection
from identity.sessions import SessionStore
from kabinet.consumer import Handler, Record
from kabinet.contracts import Envelope, topics
from kabinet.runtime import Runtime
from kabinet.service import ConsumerSpec


def build_projection(runtime: Runtime) -> Handler:
    """The read model from the service's own account events."""
    projection = Projection(runtime.db, SessionStore(runtime.db))

    def handle(env: Envelope, _record: Record) -> None:
        projection.apply(env)

    return handle


def build_confirmations(runtime: Runtime) -> Handler:
    """ContactConfirmed from verification → AccountActivated / ContactChanged on the account."""
    accounts = Accounts(runtime.store, MongoCredentials(runtime.db["credentials"]))

    def handle(env: Envelope, _record: Record) -> None:
        on_verification_event(accounts, env)

    return handle


CONSUMERS: dict[str, ConsumerSpec] = {
    "projection": ConsumerSpec("projection", "identity.projection", (topics.ACCOUNTS,), build_projection),
    "confirmations": ConsumerSpec(
        "confirmations", "identity.confirmations", (topics.VERIFICATION,), build_confirmations
    ),
}
