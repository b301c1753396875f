"""Registration: quotas, login reservation, hash, UserRegistered; owners of reused contacts are told."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from identity import domain as d
from identity.domain.rules import login_key
from identity.eventstore import Audit
from identity.gateway import Gateway
from identity.handlers.common import note_reuse
from identity.masks import mask
from identity.throttle import pseudonym

_QUOTA_WHAT = {
    "ip": "registrations from this address",
    "phone": "registrations for this phone number",
    "email": "registrations for this email",
}


@dataclass(frozen=True)
class NewAccount:
    """A registration that passed input validation (the password already checked against the policy)."""

    login: str
    password: str
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: date
    region: str
    phone: str
    email: str
    confirm_via: d.Channel
    locale: str = "ru"


@dataclass(frozen=True)
class Registration:
    """The reply: the new account and where its confirmation code went (masked)."""

    account_id: str
    status: str
    channel: str
    destination: str
    expires_at: datetime


def register(gw: Gateway, new: NewAccount, audit: Audit) -> Registration:
    """Register an account; `LoginTaken` when the login is held (any case), `Throttled` past a quota."""
    limit_registrations(gw, new, audit)
    account_id, credential_id = str(uuid.uuid4()), str(uuid.uuid4())
    password_hash = gw.hasher.hash(new.password)  # before the reservation: it keeps the window short
    gw.accounts.reserve_login(login_key(new.login), account_id)
    gw.accounts.credentials.put(credential_id, account_id, password_hash)
    contacts = {"phone": new.phone, "email": new.email}
    owners = {kind: gw.directory.owner_of(kind, value) for kind, value in contacts.items()}
    profile = d.Profile(
        new.login, new.last_name, new.first_name, new.middle_name, new.birth_date, new.region, new.locale
    )
    in_use = owners[d.KIND_OF[new.confirm_via]] is not None
    command = d.Register(profile, new.phone, new.email, new.confirm_via, credential_id, in_use)
    gw.accounts.create(account_id, command, audit=audit)
    for kind, owner in owners.items():
        if owner and owner != account_id:
            note_reuse(gw, owner, kind, contacts[kind])
    destination = contacts[d.KIND_OF[new.confirm_via]]
    expires_at = gw.clock() + timedelta(seconds=gw.settings.confirmation_ttl)
    return Registration(
        account_id, "pending_confirmation", new.confirm_via, mask(new.confirm_via, destination), expires_at
    )


def limit_registrations(gw: Gateway, new: NewAccount, audit: Audit) -> None:
    """Count the attempt per client address, phone and email (each may cost an SMS), before any hashing."""
    p, secret = gw.settings.throttling, gw.settings.prehash_key
    per_contact = (p.registrations_per_contact, p.registrations_contact_window_seconds)
    quotas = [
        ("phone", pseudonym(secret, f"phone:{new.phone}"), *per_contact),
        ("email", pseudonym(secret, f"email:{new.email.casefold()}"), *per_contact),
    ]
    if audit.ip:
        quotas.insert(0, ("ip", audit.ip, p.registrations_per_ip, p.registrations_ip_window_seconds))
    for kind, subject, limit, window in quotas:
        gw.throttle.take(
            f"registration-{kind}:{subject}",
            limit=limit,
            window_seconds=window,
            reason=f"registrations-per-{kind}",
            what=_QUOTA_WHAT[kind],
        )
