"""Base schema of every contract: tolerant on consume, strict on produce.

marshmallow's `unknown` option does not reach nested schemas, so strictness is a
context flag checked by a `pre_load` hook that every contract schema (nested ones
included) inherits from `Contract`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from kabinet.privacy.crypto import is_opaque

_strict: contextvars.ContextVar[bool] = contextvars.ContextVar("contract_strict", default=False)


@contextmanager
def strict() -> Iterator[None]:
    """Within the block, unknown fields anywhere in a contract are errors."""
    token = _strict.set(True)
    try:
        yield
    finally:
        _strict.reset(token)


class Contract(Schema):
    """A payload schema: unknown fields are dropped, or rejected under `strict()`.

    Fields with `metadata={"pii": ...}` hold personal data: the codec seals them with the
    key of the subject named by `SUBJECT` (see `kabinet.privacy.payload`). Such a field
    also accepts a sealed token or the erased placeholder as it is, without validation:
    the value was validated when it was sealed, and an erased one is gone for good.
    """

    SUBJECT: str | None = "account_id"
    # without a `SUBJECT` value: the part of the stream id this pattern's group 1 matches is the
    # subject (events of no account share a key, e.g. per day); else the whole stream id
    SUBJECT_OF_STREAM: str | None = None

    class Meta:
        unknown = EXCLUDE

    def on_bind_field(self, field_name: str, field_obj: fields.Field[Any]) -> None:
        """Let personal-data fields pass sealed and erased values through."""
        if field_obj.metadata.get("pii"):
            _pass_opaque(field_obj)

    @pre_load
    def _reject_unknown(self, data: Any, **_: Any) -> Any:
        if _strict.get() and isinstance(data, Mapping):
            known = {f.data_key or name for name, f in self.load_fields.items()}
            extra = sorted(set(data) - known)
            if extra:
                raise ValidationError({k: ["Unknown field."] for k in extra})
        return data


def _pass_opaque(field_obj: fields.Field[Any]) -> None:
    load, dump = field_obj.deserialize, field_obj._serialize

    def deserialize(value: Any, *args: Any, **kwargs: Any) -> Any:
        return value if is_opaque(value) else load(value, *args, **kwargs)

    def serialize(value: Any, *args: Any, **kwargs: Any) -> Any:
        return value if is_opaque(value) else dump(value, *args, **kwargs)

    field_obj.deserialize = deserialize  # type: ignore[method-assign]
    field_obj._serialize = serialize  # type: ignore[method-assign]


def pii(purpose: str | bool = True) -> dict[str, Any]:
    """Field metadata marking personal data (`purpose`: account, security, secret)."""
    return {"pii": purpose}


E164 = validate.Regexp(r"^\+[1-9]\d{6,14}$", error="Not an E.164 phone number.")
REGION = validate.Regexp(r"^RU-[A-Z]{2,3}$", error="Not an ISO 3166-2:RU region code.")
DIGITS = validate.Regexp(r"^\d{4,20}$", error="Not an account number (4–20 digits).")
AMOUNT = validate.Regexp(r"^-?\d{1,12}\.\d{2}$", error="Not a decimal amount with 2 places.")
SERVICE_TYPES = ("mobile", "home_phone", "internet", "tv", "personal_account")
CHANNELS = ("sms", "email")


def uuid_str(**kw: Any) -> fields.UUID:
    """A UUID field kept as a string in payloads."""
    return fields.UUID(**kw)


def one_of(choices: tuple[str, ...], **kw: Any) -> fields.String:
    """A string field limited to `choices`."""
    return fields.String(validate=validate.OneOf(choices), **kw)
