"""Input fields that normalize as they validate: phone → E.164 mobile, email, personal names;
and a JSON boolean that is only `true` or `false`."""

from __future__ import annotations

from typing import Any

import email_validator
import phonenumbers
from marshmallow import ValidationError, fields

from identity.domain.rules import clean_name, name_problems

_MOBILE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


class JsonBoolean(fields.Boolean):
    """`true` or `false` only: not 1, 0, "true", "yes" or "on" (marshmallow's Boolean takes those)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Not a boolean: use true or false.")
        return value


class Phone(fields.String):
    """A phone number in any common format (Russian by default) → E.164; mobile numbers only."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        if len(raw) > 32:
            raise ValidationError("Not a phone number.")
        try:
            number = phonenumbers.parse(raw, "RU")
        except phonenumbers.NumberParseException as exc:
            raise ValidationError("Not a phone number.") from exc
        if not phonenumbers.is_valid_number(number):
            raise ValidationError("Not a valid phone number.")
        if phonenumbers.number_type(number) not in _MOBILE:
            raise ValidationError("Use a mobile number.")
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


class Email(fields.String):
    """An email address, syntax-checked and normalized (no DNS look-ups)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        if len(raw) > 254:
            raise ValidationError("Not an email address.")
        try:
            result = email_validator.validate_email(raw, check_deliverability=False)
        except email_validator.EmailNotValidError as exc:
            raise ValidationError(str(exc)) from exc
        return str(result.normalized)


class PersonName(fields.String):
    """A surname, first name or patronymic: Cyrillic or Latin letters, hyphens."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        name = clean_name(super()._deserialize(value, attr, data, **kwargs))
        problems = name_problems(name)
        if problems:
            raise ValidationError(problems)
        return name
