"""Registry of the identity service's consumers: group, topics, handler.

`projection` is the pure read model of accounts and `services` of subscribers' services (both
replayable by `kabinet.ops rebuild`); `effects` does
what must happen once per account event beyond the read model (sessions, erasure keys).
"""

from __future__ import annotations

from identity.domain.rules import login_key
from identity.erasure import Erasure
from identity.eventstore import account_stream, open_accounts
from identity.handlers.events import on_billing_event, on_verification_event
from identity.projection import COLLECTIONS, Projection
from identity.service_views import COLLECTIONS as SERVICE_COLLECTIONS
from identity.service_views import EVENT_TYPES as SERVICE_EVENT_TYPES
from identity.service_views import ServiceViews
from identity.sessions import SessionStore
from kabinet.consumer import Handler, Record
from kabinet.contracts import REGISTRY, Envelope, topics
from kabinet.contracts.accounts import AUDIT_EVENTS
from kabinet.eventstore import EventStore
from kabinet.privacy.crypto import ERASED
from kabinet.runtime import Runtime
from kabinet.service import ConsumerSpec


def build_projection(runtime: Runtime) -> Handler:
    """The read model from the service's own account events (and notices sent, for exports)."""
    projection = Projection(runtime.db)

    def handle(env: Envelope, _record: Record) -> None:
        projection.apply(env)

    return handle


def build_services(runtime: Runtime) -> Handler:
    """The gateway's service view from billing-link's link events and the billing feed."""
    views = ServiceViews(runtime.db)

    def handle(env: Envelope, record: Record) -> None:
        views.apply(env, record)

    return handle


def build_effects(runtime: Runtime) -> Handler:
    """PasswordChanged → older sessions revoked; AccountErased → the erasure completed (idempotent).

    Both are also done at once by the request; here they are guaranteed: should the request
    have died before revoking or destroying the keys, this finishes the job.
    """
    sessions = SessionStore(runtime.db)
    erasure = Erasure(runtime.db, runtime.keys, topic_prefix=runtime.infra.topic_prefix)

    def handle(env: Envelope, _record: Record) -> None:
        p = env.payload
        if env.event_type == "PasswordChanged":
            sessions.revoke_all(str(p["account_id"]), before=env.occurred_at)
        elif env.event_type == "AccountErased":
            account_id = str(p["account_id"])
            erasure.complete(
                account_id,
                requested_by=p["requested_by"],
                erased_at=p["erased_at"],
                event_id=env.event_id,
                login_key=login_key_of(runtime.store, account_id),
                read_model=False,  # the projection consumer tombstones it from the same event
            )

    return handle


def login_key_of(store: EventStore, account_id: str) -> str | None:
    """The account's case-folded login from its stream (None once its keys are destroyed)."""
    events = store.load(account_stream(account_id))
    login = events[0].payload.get("login") if events else None
    return login_key(login) if isinstance(login, str) and login != ERASED else None


def build_confirmations(runtime: Runtime) -> Handler:
    """ContactConfirmed from verification → AccountActivated / ContactChanged on the account."""
    accounts = open_accounts(runtime)

    def handle(env: Envelope, _record: Record) -> None:
        on_verification_event(accounts, env)

    return handle


def build_numbers(runtime: Runtime) -> Handler:
    """NumberReleased from the billing feed → the confirmed phone is released (number recycling guard)."""
    accounts = open_accounts(runtime)
    projection = Projection(runtime.db)

    def handle(env: Envelope, _record: Record) -> None:
        on_billing_event(accounts, lambda phone: projection.owner_of("phone", phone), env)

    return handle


CONSUMERS: dict[str, ConsumerSpec] = {
    "projection": ConsumerSpec(
        "projection",
        "identity.projection",
        (topics.ACCOUNTS, topics.NOTIFICATIONS),
        build_projection,
        replayable=True,
        collections=COLLECTIONS,
        # sign-in audit events change no account: skipped unread (no key-store lookups)
        event_types=REGISTRY.types_on(topics.ACCOUNTS, topics.NOTIFICATIONS) - AUDIT_EVENTS,
    ),
    "services": ConsumerSpec(
        "services",
        "identity.services",
        (topics.SERVICES, topics.BILLING_FEED, topics.ACCOUNTS),
        build_services,
        replayable=True,
        collections=SERVICE_COLLECTIONS,
        event_types=SERVICE_EVENT_TYPES,
    ),
    "effects": ConsumerSpec(
        "effects",
        "identity.effects",
        (topics.ACCOUNTS,),
        build_effects,
        event_types=frozenset(("PasswordChanged", "AccountErased")),
    ),
    "confirmations": ConsumerSpec(
        "confirmations",
        "identity.confirmations",
        (topics.VERIFICATION,),
        build_confirmations,
        event_types=frozenset(("ContactConfirmed",)),
    ),
    "numbers": ConsumerSpec(
        "numbers",
        "identity.numbers",
        (topics.BILLING_FEED,),
        build_numbers,
        event_types=frozenset(("NumberReleased",)),
    ),
}
