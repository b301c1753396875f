"""Composition root of the identity service: the service definition and the gateway's adapters."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from importlib import resources

from identity.config import Settings
from identity.consumers import CONSUMERS
from identity.downstream import Downstream
from identity.erasure import Erasure
from identity.eventstore import open_accounts
from identity.exports import ExportReader
from identity.gateway import Gateway
from identity.indexes import throttle_index
from identity.projection import Projection
from identity.queries import Queries
from identity.security import AccessTokens, PasswordHasher
from identity.service_views import ServiceViews
from identity.sessions import SessionStore
from identity.throttle import Throttle
from kabinet.contracts import topics
from kabinet.http import session
from kabinet.runtime import Runtime
from kabinet.service import ServiceDef


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common and leaked passwords (lower-case)."""
    text = resources.files("identity").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def setup(runtime: Runtime) -> None:
    """Indexes of the event store, the read model and the sessions."""
    runtime.store.create_indexes()
    sessions = SessionStore(runtime.db)
    sessions.create_indexes()
    Projection(runtime.db).create_indexes()
    ServiceViews(runtime.db).create_indexes()
    runtime.keys.create_indexes()


def build_gateway(settings: Settings, runtime: Runtime) -> Gateway:
    """Every adapter the HTTP handlers use, over one process's clients."""
    timeout = settings.downstream_timeout
    verification_url, billing_link_url = settings.verification_url, settings.billing_link_url
    return Gateway(
        settings=settings,
        accounts=open_accounts(runtime),
        directory=Queries(runtime.db),
        services=ServiceViews(runtime.db),
        hasher=PasswordHasher(
            rounds=settings.bcrypt_rounds,
            key=settings.prehash_key,
            concurrency=settings.hash_concurrency,
            nice=settings.hash_nice,
        ),
        common_passwords=common_passwords(),
        sessions=SessionStore(runtime.db, refresh_ttl=timedelta(seconds=settings.refresh_ttl)),
        tokens=AccessTokens(secret=settings.jwt_secret, ttl_seconds=settings.access_ttl),
        throttle=Throttle(runtime.db["throttle"], settings.throttling, throttle_index(runtime.keys)),
        verification=Downstream("verification", verification_url, session(verification_url), timeout=timeout),
        billing_link=Downstream("billing-link", billing_link_url, session(billing_link_url), timeout=timeout),
        erasure=Erasure(runtime.db, runtime.keys, topic_prefix=runtime.infra.topic_prefix),
        exports=ExportReader(runtime.db),
    )


SERVICE = ServiceDef(
    name="identity",
    package="identity",
    default_port=8000,
    infra=lambda: Settings.from_env().infra,
    produces=(topics.ACCOUNTS,),
    consumers=CONSUMERS,
    setup=setup,
)
