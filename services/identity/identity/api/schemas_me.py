"""Schemas of the signed-in subscriber's endpoints, recovery and the facade routes."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from identity.api.fields import Email, JsonBoolean, Phone
from identity.api.schemas import CHANNEL, RAW_PASSWORD, password_pair_errors, region_code

SERVICE_TYPES = ("mobile", "home_phone", "internet", "tv", "personal_account")


class RegionRef(Schema):
    code = fields.String()
    name = fields.String()


class ContactOut(Schema):
    kind = fields.String()
    value = fields.String()
    confirmed = fields.Boolean()
    pending = fields.Boolean(metadata={"description": "a requested change waiting for its code"})


class MeOut(Schema):
    account_id = fields.String()
    login = fields.String()
    status = fields.String()
    last_name = fields.String()
    first_name = fields.String()
    middle_name = fields.String(allow_none=True)
    birth_date = fields.String()
    region = fields.Nested(RegionRef)
    confirm_via = fields.String()
    contacts = fields.List(fields.Nested(ContactOut))


class ContactsIn(Schema):
    phone = Phone()
    email = Email()
    confirm_via = fields.String(
        validate=CHANNEL,
        metadata={"description": "accepted; each new contact is confirmed on its own channel"},
    )

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _something(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        if isinstance(original, dict) and "phone" not in original and "email" not in original:
            raise ValidationError({"_schema": ["Give a new phone or a new email."]})


class ChangeRequestOut(Schema):
    kind = fields.String()
    request_id = fields.String()
    destination = fields.String()


class ContactsOut(Schema):
    status = fields.String()
    requests = fields.List(fields.Nested(ChangeRequestOut))


class PasswordChangeIn(Schema):
    current_password = fields.String(required=True, validate=RAW_PASSWORD)
    new_password = fields.String(required=True, validate=RAW_PASSWORD)
    new_password_confirmation = fields.String(required=True, validate=RAW_PASSWORD)

    @validates_schema(skip_on_field_errors=False)
    def _pair(self, data: dict[str, Any], **_: Any) -> None:
        errors = password_pair_errors(data, "new_password", login=None)
        if errors:
            raise ValidationError(errors)


class RecoveryIn(Schema):
    login = fields.String(validate=validate.Length(min=1, max=64))
    email = Email()
    phone = Phone()

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _one(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        given = [k for k in ("login", "email", "phone") if isinstance(original, dict) and k in original]
        if len(given) != 1:
            raise ValidationError({"_schema": ["Give one of login, email or phone."]})


class AcceptedOut(Schema):
    status = fields.String()
    detail = fields.String()


class RecoveryCompleteIn(Schema):
    token = fields.String(validate=validate.Length(min=1, max=256))
    code = fields.String(validate=validate.Regexp(r"^\d{6}$", error="The code is 6 digits."))
    login = fields.String(validate=validate.Length(min=1, max=64))
    new_password = fields.String(required=True, validate=RAW_PASSWORD)
    new_password_confirmation = fields.String(required=True, validate=RAW_PASSWORD)

    @validates_schema(skip_on_field_errors=False)
    def _proof(self, data: dict[str, Any], **_: Any) -> None:
        errors = password_pair_errors(data, "new_password", login=data.get("login"))
        if "token" not in data and not ("code" in data and "login" in data):
            errors["_schema"] = ["Give the token from the link, or the code with the login."]
        if errors:
            raise ValidationError(errors)


class ConfirmIn(Schema):
    account_id = fields.UUID(required=True)
    channel = fields.String(required=True, validate=CHANNEL)
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="The code is 6 digits."))


class ResendIn(Schema):
    account_id = fields.UUID(required=True)
    channel = fields.String(required=True, validate=CHANNEL)


class StatusOut(Schema):
    status = fields.String()
    expires_at = fields.String()


class LinkTokenArgs(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=256))


class Money(Schema):
    amount = fields.String()
    currency = fields.String()


class ServiceOut(Schema):
    link_id = fields.String()
    type = fields.String()
    region = fields.String()
    identifier = fields.String()
    status = fields.String()
    service_status = fields.String(
        allow_none=True, metadata={"description": "billing status: active, suspended, terminated"}
    )
    balance = fields.Nested(Money, allow_none=True)
    updated_at = fields.String(allow_none=True)
    plan = fields.String(allow_none=True)
    options = fields.List(fields.Dict(), allow_none=True)


class ServiceIn(Schema):
    region = fields.String(required=True, validate=region_code)
    type = fields.String(required=True, validate=validate.OneOf(SERVICE_TYPES))
    identifier = fields.String(required=True, validate=validate.Length(min=4, max=32))


class LinkOut(Schema):
    link_id = fields.String()
    status = fields.String()


class ServiceConfirmIn(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="The code is 6 digits."))


class NoticeOut(Schema):
    notification_id = fields.String()
    channel = fields.String(metadata={"description": "`sms` or `email`"})
    template = fields.String(
        metadata={"description": "What it was: `verification_code`, `password_changed`, …"}
    )
    to = fields.String(allow_none=True, metadata={"description": "The address, masked"})
    state = fields.String(
        metadata={
            "description": "`sent` or `failed`; then `delivered` or `undelivered` where the SMS "
            "gateway reports delivery"
        }
    )
    at = fields.String(metadata={"description": "When its outcome was known (RFC 3339)"})


class NoticesOut(Schema):
    notifications = fields.List(
        fields.Nested(NoticeOut), metadata={"description": "Newest first, 50 at most"}
    )


class NoticeSettingsIn(Schema):
    channel = fields.String(
        required=True,
        validate=CHANNEL,
        metadata={"description": "`sms` or `email`: a confirmed contact's channel"},
    )
    low_balance = JsonBoolean(
        required=True, metadata={"description": "tell of a service's balance falling low"}
    )
    locale = fields.String(
        required=True,
        validate=validate.OneOf(("ru", "en")),
        metadata={"description": "the language of every SMS and email from now on"},
    )


class NoticeSettingsOut(Schema):
    channel = fields.String(
        allow_none=True,
        metadata={
            "description": "where notices about the account go (password changed, sign-ins locked, "
            "services added or removed, low balance); codes go to the contact they confirm"
        },
    )
    low_balance = fields.Boolean(metadata={"description": "security notices are always sent"})
    locale = fields.String(metadata={"description": "`ru` or `en`: the language of messages"})
    channels = fields.List(fields.String(), metadata={"description": "the confirmed channels one may choose"})
