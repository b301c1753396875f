"""Password recovery: a code/link to a confirmed contact, then a new password and no sessions left."""

from __future__ import annotations

import contextlib
import uuid

from identity import domain as d
from identity.domain import passwords
from identity.domain.rules import login_key
from identity.downstream import DownstreamProblem
from identity.eventstore import Audit
from identity.gateway import Gateway
from identity.handlers.common import end_sessions, store_hash


class RecoveryInvalid(Exception):
    """The code or link is wrong for this login, used, expired or unknown (one answer for all)."""


def request_recovery(
    gw: Gateway, *, login: str | None, email: str | None, phone: str | None, audit: Audit
) -> None:
    """Start a recovery if the account exists; the caller can never tell (same reply, same time)."""
    if audit.ip:
        gw.throttle.check([f"recovery-ip:{audit.ip}"])
        gw.throttle.fail(f"recovery-ip:{audit.ip}", free=gw.settings.throttling.recovery_per_ip)
    account_id, channel = _find(gw, login=login, email=email, phone=phone)
    gw.hasher.burn()  # on both paths: the reply time does not depend on the account existing
    if account_id is None:
        return
    with contextlib.suppress(
        d.DomainError
    ):  # pending or contactless accounts get nothing; nor does the caller learn
        gw.accounts.execute(account_id, d.RequestPasswordReset(str(uuid.uuid4()), channel))


def _find(
    gw: Gateway, *, login: str | None, email: str | None, phone: str | None
) -> tuple[str | None, d.Channel | None]:
    if login:
        return gw.accounts.account_for_login(login_key(login)), None
    if email:
        return gw.directory.owner_of("email", email), "email"
    if phone:
        return gw.directory.owner_of("phone", phone), "sms"
    return None, None


def complete_recovery(
    gw: Gateway,
    *,
    login: str | None,
    code: str | None,
    token: str | None,
    new: str,
    confirmation: str,
    audit: Audit,
) -> None:
    """Verify the code or link with verification, then set the new password and end every session."""
    common = gw.common_passwords
    passwords.check(new, confirmation, login=login, common=common, field="new_password")
    if token:
        body: dict[str, str] = {"token": token}
    else:
        account_id = gw.accounts.account_for_login(login_key(login or ""))
        if account_id is None:
            raise RecoveryInvalid("The code is wrong or expired.")
        body = {"account_id": account_id, "code": code or ""}
    reply = gw.verification.call("POST", "/internal/v1/password-reset/verify", json=body)
    if reply.status in (404, 410):
        raise RecoveryInvalid("The code is wrong or expired.")
    if not reply.ok:
        raise DownstreamProblem(reply)
    account_id, request_id = str(reply.body["account_id"]), str(reply.body["request_id"])
    state = gw.accounts.load(account_id)
    if state is None:
        raise RecoveryInvalid("The code is wrong or expired.")
    new_pw = passwords.check(
        new, confirmation, login=state.profile.login, common=common, field="new_password"
    )
    credential_id = store_hash(gw, account_id, new_pw)
    try:
        gw.accounts.execute(
            account_id, d.CompletePasswordReset(request_id, credential_id), audit=audit, loaded=state
        )
    except d.ResetNotRequested as exc:
        raise RecoveryInvalid("The code is wrong or expired.") from exc
    end_sessions(gw, account_id, audit)
