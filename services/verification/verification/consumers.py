"""Registry of the verification service's consumers, and the translation of requests into commands.

`challenges` is the pure projection (replayable by `kabinet.ops rebuild`): the challenge
lookups from the service's own events, and the erased-subjects tombstones. `requests`
opens challenges (appends) and keeps the send log.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from kabinet.consumer import Handler, Record
from kabinet.contracts import Envelope, topics
from kabinet.privacy.crypto import ERASED
from kabinet.privacy.erased import ErasedSubjects
from kabinet.runtime import Runtime
from kabinet.service import ConsumerSpec
from verification.domain import Binding, Issue
from verification.eventstore import CHALLENGE_EVENTS, STREAM_PREFIX, Challenges
from verification.handlers import Verification
from verification.projection import CHALLENGES, ERASED_SUBJECTS, ChallengeProjection

log = logging.getLogger(__name__)
CHALLENGE_NS = uuid.UUID("5b0f8e7c-1c7d-4c55-9e55-6a2f4b3d9c01")
KIND_CHANNEL = {"phone": "sms", "email": "email"}
# what `to_issue` may open a challenge for (plus AccountErased): the requests consumer skips the rest
REQUESTS = ("UserRegistered", "ContactChangeRequested", "PasswordResetRequested", "ServiceLinkRequested")


def challenge_id_for(event_id: str) -> str:
    """The challenge a request event opens: the same id on every redelivery."""
    return str(uuid.uuid5(CHALLENGE_NS, event_id))


def to_issue(env: Envelope) -> Issue | None:
    """The `Issue` command a request event asks for, or None when no code must go out."""
    p = env.payload
    cid = challenge_id_for(env.event_id)
    locale = p.get("locale") or "ru"
    if env.event_type == "UserRegistered":
        if p.get("contact_in_use"):  # the owner is told instead (ContactUsedAgain); no code to a stranger
            return None
        channel = p["confirm_via"]
        dest = p["phone"] if channel == "sms" else p["email"]
        return Issue(cid, Binding(str(p["account_id"]), "registration", None, channel), dest, locale)
    if env.event_type == "ContactChangeRequested":
        if p.get("contact_in_use"):
            return None
        binding = Binding(
            str(p["account_id"]), "contact_change", str(p["request_id"]), KIND_CHANNEL[p["kind"]]
        )
        return Issue(cid, binding, p["value"], locale)
    if env.event_type == "PasswordResetRequested":
        binding = Binding(str(p["account_id"]), "password_reset", str(p["request_id"]), p["channel"])
        return Issue(cid, binding, p["destination"], locale)
    if env.event_type == "ServiceLinkRequested" and p.get("proof_destination"):
        binding = Binding(str(p["account_id"]), "service_link", str(p["link_id"]), "sms")
        return Issue(cid, binding, p["proof_destination"], locale)
    return None


def issue_handler(
    service: Verification, erased: ErasedSubjects | None = None, forget: Callable[[str], None] | None = None
) -> Handler:
    """Consumer handler: translate the request event and open its challenge (idempotent).

    AccountErased: the account is marked erased (`erased`, as the challenges projection marks
    it: this group need not wait for that one) and its send log entries go (`forget`); no code
    is ever issued for it again (nor to an erased destination).
    """

    def handle(env: Envelope, record: Record) -> None:
        account = str(env.payload.get("account_id") or "")
        if env.event_type == "AccountErased":
            if erased is not None:
                erased.mark(account, _moment(env.payload["erased_at"]))
            if forget is not None:
                forget(account)
            return
        if erased is not None and account in erased:
            return
        cmd = to_issue(env)
        if cmd is not None and cmd.destination != ERASED:
            service.issue(cmd)
            log.info("challenge issued", extra=_log_fields(env, cmd))

    return handle


def _log_fields(env: Envelope, cmd: Issue) -> Mapping[str, Any]:
    b = cmd.binding
    return {
        "cause": env.event_id,
        "challenge_id": cmd.challenge_id,
        "purpose": b.purpose,
        "channel": b.channel,
    }


def challenges_handler(repo: Challenges, projection: ChallengeProjection, erased: ErasedSubjects) -> Handler:
    """Consumer handler: each challenge event → the challenge as of its version, in the lookups.

    AccountErased: the account is marked erased (at the erasure's time) and its challenges
    go; challenge events of an erased account change nothing after that. AccountErased comes
    on identity's topic, in another lane than the challenge events: one of those written while
    the erasure runs is undone when the second look finds the account erased.
    """

    def handle(env: Envelope, _record: Record) -> None:
        p = env.payload
        account = str(p.get("account_id") or "")
        if env.event_type == "AccountErased":
            erased.mark(account, _moment(p["erased_at"]))
            projection.forget(account)
            return
        if not env.stream_id.startswith(STREAM_PREFIX):
            return
        if projection.holds(env.stream_id.removeprefix(STREAM_PREFIX), env.stream_version):
            return  # the request that saved it applied it, in this process: no round trip
        state, version = repo.state_at(env)
        if state is not None:
            erased.write_unless_erased(
                account, lambda: projection.apply(state, version), lambda: projection.forget(account)
            )

    return handle


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _build(runtime: Runtime) -> Handler:
    from verification.bootstrap import build_verification  # the composition root imports this registry
    from verification.config import Settings
    from verification.projection import MongoSendLog

    return issue_handler(
        build_verification(runtime, Settings.from_env()),
        ErasedSubjects(runtime.db),
        MongoSendLog(runtime.db).forget,
    )


def _build_challenges(runtime: Runtime) -> Handler:
    projection = ChallengeProjection(runtime.db)
    return challenges_handler(Challenges(runtime.store, projection), projection, ErasedSubjects(runtime.db))


CONSUMERS: dict[str, ConsumerSpec] = {
    "challenges": ConsumerSpec(
        name="challenges",
        group_id="verification.challenges",
        topics=(topics.VERIFICATION, topics.ACCOUNTS),
        build=_build_challenges,
        replayable=True,
        collections=(CHALLENGES, ERASED_SUBJECTS),
        event_types=frozenset((*CHALLENGE_EVENTS, "AccountErased")),
    ),
    "requests": ConsumerSpec(
        name="requests",
        group_id="verification.requests",
        topics=(topics.ACCOUNTS, topics.SERVICES),
        build=_build,
        event_types=frozenset((*REQUESTS, "AccountErased")),
    ),
}
