"""HTTP request and response schemas of the gateway (part A of API.md); unknown fields are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from identity.api.fields import Email, PersonName, Phone
from identity.bootstrap import common_passwords
from identity.domain import passwords
from identity.domain.rules import birth_date_problems, login_problems
from identity.regions import codes

CHANNEL = validate.OneOf(("sms", "email"))
RAW_PASSWORD = validate.Length(max=1024)  # far above the policy's 128: the policy says why


def _login(value: str) -> None:
    problems = login_problems(value)
    if problems:
        raise ValidationError(problems)


def _password(value: str) -> None:
    problems = passwords.problems(value, login=None, common=common_passwords())
    if problems:
        raise ValidationError(problems)


def region_code(value: str) -> None:
    """Validate an ISO 3166-2:RU code."""
    if value not in codes():
        raise ValidationError("Not an ISO 3166-2:RU region code (see GET /api/v1/regions).")


def _birth_date(value: Any) -> None:
    problems = birth_date_problems(value, datetime.now(UTC).date())
    if problems:
        raise ValidationError(problems)


def password_pair_errors(data: dict[str, Any], field: str, *, login: str | None) -> dict[str, list[str]]:
    """Login-in-password and confirmation errors of a `<field>` / `<field>_confirmation` pair."""
    errors: dict[str, list[str]] = {}
    password, confirmation = data.get(field), data.get(f"{field}_confirmation")
    if password is None:
        return errors
    if login and login.casefold() in passwords.normalize(password).casefold():
        errors[field] = ["Do not put your login inside the password."]
    if confirmation is not None and passwords.normalize(password) != passwords.normalize(confirmation):
        errors[f"{field}_confirmation"] = ["The passwords do not match."]
    return errors


class Problem(Schema):
    """RFC 9457 problem details (with `errors` for bad input)."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    attempts_left = fields.Integer()
    retry_after = fields.Integer()
    reason = fields.String(metadata={"description": "Which limit a 429 hit, e.g. `registrations-per-ip`"})


class RegistrationIn(Schema):
    """Credentials, personal data and contacts (the portal's three steps, in one request)."""

    login = fields.String(required=True, validate=_login, metadata={"example": "ivanov.petr"})
    password = fields.String(required=True, validate=[RAW_PASSWORD, _password])
    password_confirmation = fields.String(required=True, validate=RAW_PASSWORD)
    last_name = PersonName(required=True, metadata={"example": "Иванов"})
    first_name = PersonName(required=True, metadata={"example": "Пётр"})
    middle_name = PersonName(load_default=None, allow_none=True, metadata={"example": "Сергеевич"})
    birth_date = fields.Date(required=True, validate=_birth_date, metadata={"example": "1985-04-12"})
    region = fields.String(required=True, validate=region_code, metadata={"example": "RU-MOW"})
    phone = Phone(required=True, metadata={"example": "+7 916 123-45-67"})
    email = Email(required=True, metadata={"example": "petr@example.ru"})
    confirm_via = fields.String(required=True, validate=CHANNEL)
    locale = fields.String(load_default="ru", validate=validate.OneOf(("ru", "en")))

    @validates_schema(skip_on_field_errors=False)
    def _pair(self, data: dict[str, Any], **_: Any) -> None:
        errors = password_pair_errors(data, "password", login=data.get("login"))
        if errors:
            raise ValidationError(errors)


class Confirmation(Schema):
    channel = fields.String()
    destination = fields.String(metadata={"description": "masked"})
    expires_at = fields.DateTime()


class RegistrationOut(Schema):
    account_id = fields.String()
    status = fields.String()
    confirmation = fields.Nested(Confirmation)


class StrengthIn(Schema):
    password = fields.String(required=True, validate=RAW_PASSWORD)
    login = fields.String(load_default=None, allow_none=True)


class StrengthOut(Schema):
    score = fields.Integer(metadata={"description": "0 (very weak) … 4 (very strong)"})
    verdict = fields.String()
    acceptable = fields.Boolean()
    problems = fields.List(fields.String())
    suggestions = fields.List(fields.String())


class RegionOut(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()


class SignInIn(Schema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=RAW_PASSWORD)


class RefreshIn(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokensOut(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class SessionOut(Schema):
    session_id = fields.String(metadata={"description": "End it with `DELETE /api/v1/sessions/{session_id}`"})
    created_at = fields.DateTime(metadata={"description": "When the sign-in opened it"})
    last_active_at = fields.DateTime(metadata={"description": "Its sign-in or latest token refresh"})
    ip = fields.String(allow_none=True, metadata={"description": "Where it was opened from"})
    user_agent = fields.String(allow_none=True, metadata={"description": "The browser or app that opened it"})
    current = fields.Boolean(metadata={"description": "The session of this request's access token"})


class SessionsOut(Schema):
    sessions = fields.List(fields.Nested(SessionOut), metadata={"description": "Most recently active first"})


class SessionsEndedOut(Schema):
    ended = fields.Integer(metadata={"description": "How many sessions ended"})
