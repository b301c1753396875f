"""A signed-in subscriber's changes: password, contacts and where notices go."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from identity import domain as d
from identity.domain import passwords
from identity.domain.rules import login_key
from identity.eventstore import Audit
from identity.gateway import Gateway
from identity.handlers.common import end_sessions, note_reuse, store_hash
from identity.masks import mask


def change_password(
    gw: Gateway, account_id: str, *, current: str, new: str, confirmation: str, audit: Audit
) -> None:
    """Check the current password (throttled like a sign-in), apply the policy, store the new one."""
    state = gw.accounts.load(account_id)
    if state is None:
        raise d.AccountNotFound("no such account")
    key = f"login:{login_key(state.profile.login)}"
    gw.throttle.check([key])
    common = gw.common_passwords
    new_pw = passwords.check(
        new, confirmation, login=state.profile.login, common=common, field="new_password"
    )
    valid = gw.hasher.verify(current, gw.accounts.current_hash(state))
    if not valid:
        gw.throttle.fail(key, free=gw.settings.throttling.login_free)
        raise d.CurrentPasswordWrong("The current password is wrong.")
    credential_id = store_hash(gw, account_id, new_pw)
    gw.accounts.execute(account_id, d.ChangePassword(True, credential_id), audit=audit, loaded=state)
    end_sessions(gw, account_id, audit)


@dataclass(frozen=True)
class ChangeRequest:
    """One requested contact change, as the reply shows it."""

    kind: str
    request_id: str
    destination: str


def change_contacts(
    gw: Gateway, account_id: str, *, phone: str | None, email: str | None
) -> list[ChangeRequest]:
    """Ask to replace the phone and/or the email; each takes effect once confirmed on its own channel.

    A contact confirmed by another account gets the same reply; that account's owner is
    told (ContactUsedAgain) and verification sends no code (`contact_in_use`).
    """
    made = []
    for kind, value in (("phone", phone), ("email", email)):
        if value is None:
            continue
        owner = gw.directory.owner_of(kind, value)
        in_use = owner is not None and owner != account_id
        request_id = str(uuid.uuid4())
        command = d.RequestContactChange(request_id, kind, value, in_use)  # type: ignore[arg-type]
        _, events = gw.accounts.execute(account_id, command)
        if in_use and owner:
            note_reuse(gw, owner, kind, value)
        if events:
            made.append(ChangeRequest(kind, request_id, mask(d.CHANNEL_OF[kind], value)))
    return made


@dataclass(frozen=True)
class NoticeSettings:
    """Where account notices go, whether low balance is told, the language, and the channels one
    may choose."""

    channel: str | None
    low_balance: bool
    locale: str
    channels: list[str]


def change_notification_settings(
    gw: Gateway, account_id: str, *, channel: d.Channel, low_balance: bool, locale: d.Locale
) -> NoticeSettings:
    """Send account notices to `channel` (a confirmed contact's), tell of low balance or not, and
    write every message in `locale`."""
    command = d.ChangeNotificationSettings(channel, low_balance, locale)
    state, _ = gw.accounts.execute(account_id, command)
    assert state is not None  # decide refuses a missing account
    confirmed = [c for c in ("sms", "email") if state.contact(d.KIND_OF[c]).confirmed]
    return NoticeSettings(channel, low_balance, locale, confirmed)
