"""Registry of the identity service's consumers: group, topics, handler."""

from __future__ import annotations

from identity.erasure import Erasure
from identity.eventstore import Accounts, MongoCredentials
from identity.handlers.events import on_billing_event, on_verification_event
from identity.projection import Projection
from identity.sessions import SessionStore
from kabinet.consumer import Handler, Record
from kabinet.contracts import Envelope, topics
from kabinet.runtime import Runtime
from kabinet.service import ConsumerSpec


def build_projection(runtime: Runtime) -> Handler:
    """The read model from the service's own account events (and notices sent, for exports).

    AccountErased also completes the erasure (idempotent): should the request that erased
    the account have died before destroying its keys, this finishes the job.
    """
    projection = Projection(runtime.db, SessionStore(runtime.db))
    erasure = Erasure(runtime.db, runtime.keys, topic_prefix=runtime.infra.topic_prefix)

    def handle(env: Envelope, _record: Record) -> None:
        if env.event_type == "AccountErased":
            p = env.payload
            erasure.complete(
                str(p["account_id"]),
                requested_by=p["requested_by"],
                erased_at=p["erased_at"],
                event_id=env.event_id,
                login_key=projection.login_key(str(p["account_id"])),
            )
        projection.apply(env)

    return handle


def build_confirmations(runtime: Runtime) -> Handler:
    """ContactConfirmed from verification → AccountActivated / ContactChanged on the account."""
    accounts = Accounts(runtime.store, MongoCredentials(runtime.db["credentials"]))

    def handle(env: Envelope, _record: Record) -> None:
        on_verification_event(accounts, env)

    return handle


def build_numbers(runtime: Runtime) -> Handler:
    """NumberReleased from the billing feed → the confirmed phone is released (number recycling guard)."""
    accounts = Accounts(runtime.store, MongoCredentials(runtime.db["credentials"]))
    projection = Projection(runtime.db, SessionStore(runtime.db))

    def handle(env: Envelope, _record: Record) -> None:
        on_billing_event(accounts, lambda phone: projection.owner_of("phone", phone), env)

    return handle


CONSUMERS: dict[str, ConsumerSpec] = {
    "projection": ConsumerSpec(
        "projection", "identity.projection", (topics.ACCOUNTS, topics.NOTIFICATIONS), build_projection
    ),
    "confirmations": ConsumerSpec(
        "confirmations", "identity.confirmations", (topics.VERIFICATION,), build_confirmations
    ),
    "numbers": ConsumerSpec("numbers", "identity.numbers", (topics.BILLING_FEED,), build_numbers),
}
