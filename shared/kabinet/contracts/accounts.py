"""Payloads of `kabinet.accounts.events` (producer: identity)."""

from __future__ import annotations

from marshmallow import fields, validate

from kabinet.contracts.base import CHANNELS, E164, REGION, Contract, one_of, pii, uuid_str

PURPOSES = ("registration", "contact_change", "password_reset", "service_link")
# Security audit events: each on an `audit-…` stream of its own, never on an account's stream, so
# they change no read model of an account (consumers of account state may skip them unread).
AUDIT_EVENTS = frozenset({"LoginSucceeded", "LoginFailed", "AccountSoftLocked", "SessionsRevoked"})


class UserRegisteredV1(Contract):
    """A subscriber registered; the account waits for a confirmed contact."""

    account_id = uuid_str(required=True)
    login = fields.String(required=True, validate=validate.Length(3, 32), metadata=pii())
    last_name = fields.String(required=True, metadata=pii())
    first_name = fields.String(required=True, metadata=pii())
    middle_name = fields.String(load_default=None, allow_none=True, metadata=pii())
    birth_date = fields.Date(required=True, metadata=pii())
    region = fields.String(required=True, validate=REGION)
    phone = fields.String(required=True, validate=E164, metadata=pii())
    email = fields.Email(required=True, metadata=pii())
    confirm_via = one_of(CHANNELS, required=True)
    locale = fields.String(load_default="ru")
    # Added (optional): the `confirm_via` contact is already confirmed by ANOTHER account.
    # The newcomer's reply is unchanged (no enumeration); the owner's stream gets
    # ContactUsedAgain; verification must issue NO code to that contact for this event.
    contact_in_use = fields.Boolean(load_default=False)


class ContactChangeRequestedV1(Contract):
    """A subscriber asked to replace a contact; it takes effect once confirmed."""

    account_id = uuid_str(required=True)
    request_id = uuid_str(required=True)
    kind = one_of(("phone", "email"), required=True)
    value = fields.String(required=True, metadata=pii())
    previous_value = fields.String(load_default=None, allow_none=True, metadata=pii())
    confirm_via = one_of(CHANNELS, required=True)
    locale = fields.String(load_default="ru")
    # Added (optional): `value` is confirmed by ANOTHER account — as in UserRegistered,
    # verification issues no code; the owner gets ContactUsedAgain.
    contact_in_use = fields.Boolean(load_default=False)


class PasswordChangedV1(Contract):
    """The password changed; every session of the account is revoked."""

    account_id = uuid_str(required=True)
    reason = one_of(("change", "recovery"), required=True)
    # Added (optional): audit trail of who made the change.
    ip = fields.String(load_default=None, allow_none=True, metadata=pii("security"))
    user_agent = fields.String(load_default=None, allow_none=True, metadata=pii("security"))
    locale = fields.String(load_default="ru")


class PasswordResetRequestedV1(Contract):
    """A forgotten-password reminder was asked for; a code goes to a confirmed contact."""

    account_id = uuid_str(required=True)
    request_id = uuid_str(required=True)
    channel = one_of(CHANNELS, required=True)
    destination = fields.String(required=True, metadata=pii())
    locale = fields.String(load_default="ru")


class ContactUsedAgainV1(Contract):
    """Someone registered with a contact another account has confirmed; its owner is told."""

    account_id = uuid_str(required=True)
    channel = one_of(CHANNELS, required=True)
    destination = fields.String(required=True, metadata=pii())
    locale = fields.String(load_default="ru")


class ContactReleasedV1(Contract):
    """The operator's billing released a confirmed phone (ported, terminated, reassigned).

    It stops receiving codes, recovery and notices; the owner is told on the other channel.
    """

    account_id = uuid_str(required=True)
    kind = one_of(("phone",), required=True)
    value = fields.String(required=True, metadata=pii())
    reason = one_of(("number_released",), required=True)
    locale = fields.String(load_default="ru")


class LoginReservedV1(Contract):
    """A login (case-folded) is taken by an account; stream `login-<keyed digest of login_key>`.

    Reserving is an append at the stream's next version, so two registrations of one
    login can never both succeed. A later reservation of the same stream replaces an
    orphan one (its account was never registered). The stream id (the Kafka key) holds
    no login; reservations made before digests have the stream `login-<login_key>`.
    """

    login_key = fields.String(required=True, validate=validate.Length(3, 32), metadata=pii())
    account_id = uuid_str(required=True)


class AccountActivatedV1(Contract):
    """The first contact was confirmed after registration; the account may sign in."""

    account_id = uuid_str(required=True)
    channel = one_of(CHANNELS, required=True)
    destination = fields.String(required=True, metadata=pii())


class ContactVerifiedV1(Contract):
    """A further registration contact of an active account was confirmed."""

    account_id = uuid_str(required=True)
    channel = one_of(CHANNELS, required=True)
    destination = fields.String(required=True, metadata=pii())


class ContactChangedV1(Contract):
    """A requested contact change was confirmed: the new value replaces the old one."""

    account_id = uuid_str(required=True)
    request_id = uuid_str(required=True)
    kind = one_of(("phone", "email"), required=True)
    value = fields.String(required=True, metadata=pii())
    previous_value = fields.String(load_default=None, allow_none=True, metadata=pii())
    locale = fields.String(load_default="ru")


class LoginSucceededV1(Contract):
    """Audit: a sign-in succeeded and a session started; stream `audit-<event id>`."""

    account_id = uuid_str(required=True)
    session_id = uuid_str(required=True)
    ip = fields.String(load_default=None, allow_none=True, metadata=pii("security"))
    user_agent = fields.String(load_default=None, allow_none=True, metadata=pii("security"))


class LoginFailedV1(Contract):
    """Audit: a sign-in failed; stream `audit-<event id>`. Unknown login: `account_id` null, stream
    `audit-<YYYYMMDD>-<event id>`, sealed under that day's key (one key a day, not one per attempt)."""

    # the day, then a whole event id: an older `audit-<event id>` whose id begins with eight digits
    # (one in 43) is not a day
    SUBJECT_OF_STREAM = r"^(audit-\d{8})-[0-9a-f]{8}-[0-9a-f]{4}-"

    account_id = uuid_str(load_default=None, allow_none=True)
    login_key = fields.String(required=True, metadata=pii("security"))
    reason = one_of(("bad_credentials", "confirmation_required", "throttled"), required=True)
    ip = fields.String(load_default=None, allow_none=True, metadata=pii("security"))
    user_agent = fields.String(load_default=None, allow_none=True, metadata=pii("security"))


class AccountSoftLockedV1(Contract):
    """Failed sign-ins crossed the threshold: sign-ins wait until `locked_until`; owner notified."""

    account_id = uuid_str(required=True)
    locked_until = fields.AwareDateTime(required=True)
    failures = fields.Integer(required=True)
    ip = fields.String(load_default=None, allow_none=True, metadata=pii("security"))
    user_agent = fields.String(load_default=None, allow_none=True, metadata=pii("security"))
    locale = fields.String(load_default="ru")


class SessionsRevokedV1(Contract):
    """Audit: sessions ended (`session_id` null = every session of the account)."""

    account_id = uuid_str(required=True)
    session_id = uuid_str(load_default=None, allow_none=True)
    reason = one_of(("logout", "refresh_reuse", "password_changed"), required=True)
    ip = fields.String(load_default=None, allow_none=True, metadata=pii("security"))
    user_agent = fields.String(load_default=None, allow_none=True, metadata=pii("security"))


class NotificationSettingsChangedV1(Contract):
    """The subscriber chose where account notices go, whether to hear of a low balance, and the
    language of every message.

    `channel` (a confirmed contact's) receives every notice about the account that names no
    address of its own: password changed, soft lock, services added or removed, low balance.
    `low_balance: false` silences only the low-balance notices; security notices always go.
    `locale` is the account's language from now on (its later events carry it too).
    """

    account_id = uuid_str(required=True)
    channel = one_of(CHANNELS, required=True)
    low_balance = fields.Boolean(required=True)
    locale = one_of(("ru", "en"), required=True)


class AccountErasedV1(Contract):
    """The subscriber's personal data was erased (right to erasure, 152-FZ / GDPR).

    The account is closed and its subject keys are destroyed: every sealed value of it in
    every topic decodes as the erased placeholder from now on. Each service drops what its
    projections hold about the account when it consumes this event, and never contacts
    the subscriber again.
    """

    account_id = uuid_str(required=True)
    requested_by = one_of(("subscriber", "operator"), required=True)
    erased_at = fields.AwareDateTime(required=True)
