"""Composition root of the verification service."""

from __future__ import annotations

from kabinet.contracts import topics
from kabinet.runtime import Runtime
from kabinet.service import ServiceDef
from verification.config import Settings
from verification.consumers import CONSUMERS
from verification.crypto import production_tools
from verification.domain import Tools
from verification.eventstore import Challenges
from verification.handlers import Verification
from verification.projection import ChallengeProjection, MongoSendLog
from verification.queries import ChallengeQueries


def build_verification(runtime: Runtime, settings: Settings, tools: Tools | None = None) -> Verification:
    """The use cases wired to Mongo; tests may pass their own clock and secrets."""
    repo = Challenges(runtime.store, ChallengeProjection(runtime.db))
    return Verification(
        repo,
        ChallengeQueries(runtime.db),
        MongoSendLog(runtime.db),
        tools or production_tools(settings.code_key),
        settings.policy,
    )


def setup(runtime: Runtime) -> None:
    """Indexes of the event store and the read models."""
    runtime.store.create_indexes()
    ChallengeProjection(runtime.db).create_indexes()
    MongoSendLog(runtime.db).create_indexes()


SERVICE = ServiceDef(
    name="verification",
    package="verification",
    default_port=8001,
    infra=lambda: Settings.from_env().infra,
    produces=(topics.VERIFICATION,),
    consumers=CONSUMERS,
    setup=setup,
)
