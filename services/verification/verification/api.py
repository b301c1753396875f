"""Internal HTTP API (docs/internal-api.md): submit, confirm by link, resend, password-reset verify."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from kabinet.web import ProblemSpec
from kabinet.write_gate import appends_events
from verification.domain import (
    CHANNELS,
    PURPOSES,
    AttemptsExhausted,
    ChallengeNotFound,
    ChallengeReplaced,
    CodeAlreadyUsed,
    CodeExpired,
    ResendTooSoon,
    SendBudgetExhausted,
    WrongCode,
)
from verification.handlers import CONFIRMABLE, Confirmation, Target, Verification

bp = Blueprint("confirmations", __name__, url_prefix="/internal/v1")
CODE = validate.Regexp(r"^\d{6}$", error="The code is 6 digits.")


class SubmitCode(Schema):
    account_id = fields.UUID(required=True)
    code = fields.String(required=True, validate=CODE)
    channel = fields.String(load_default=None, validate=validate.OneOf(CHANNELS))
    purpose = fields.String(load_default=None, validate=validate.OneOf(PURPOSES))
    request_id = fields.String(load_default=None)


class ResendCode(Schema):
    account_id = fields.UUID(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    purpose = fields.String(load_default=None, validate=validate.OneOf(PURPOSES))
    request_id = fields.String(load_default=None)


class LinkToken(Schema):
    token = fields.String(required=True, validate=validate.Length(min=16, max=128))


class ResetVerify(Schema):
    account_id = fields.UUID(load_default=None)
    code = fields.String(load_default=None, validate=CODE)
    token = fields.String(load_default=None, validate=validate.Length(min=16, max=128))

    @validates_schema
    def _one_way(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("token") and not (data.get("account_id") and data.get("code")):
            raise ValidationError("Give either token, or account_id and code.", "_schema")


class Confirmed(Schema):
    status = fields.Constant("confirmed")
    challenge_id = fields.String()
    account_id = fields.String()
    purpose = fields.String()
    request_id = fields.String(allow_none=True)
    channel = fields.String()


class ResetVerified(Schema):
    account_id = fields.String()
    request_id = fields.String(allow_none=True)
    challenge_id = fields.String()


def _service() -> Verification:
    service: Verification = current_app.extensions["verification"]
    return service


def _target(data: dict[str, Any]) -> Target:
    purposes = (data["purpose"],) if data.get("purpose") else CONFIRMABLE
    return Target(str(data["account_id"]), purposes, data.get("channel"), data.get("request_id"))


def _reply(result: Confirmation) -> Response:
    return jsonify(Confirmed().dump(result))


@bp.post("/confirmations")
def submit() -> Response:
    data = SubmitCode().load(request.get_json(silent=True) or {})
    return _reply(_service().submit(_target(data), data["code"]))


@bp.get("/confirmations/by-link")
@appends_events  # following an email link confirms: a command behind a GET
def by_link() -> Response:
    data = LinkToken().load(request.args.to_dict())
    return _reply(_service().submit_link(data["token"]))


@bp.post("/confirmations/resend")
def resend() -> tuple[Response, int]:
    data = ResendCode().load(request.get_json(silent=True) or {})
    expires_at = _service().resend(_target(data))
    return jsonify(expires_at=expires_at.isoformat()), 202


@bp.post("/password-reset/verify")
def password_reset_verify() -> Response:
    data = ResetVerify().load(request.get_json(silent=True) or {})
    service, purposes = _service(), ("password_reset",)
    if data.get("token"):
        result = service.submit_link(data["token"], purposes)
    else:
        result = service.submit(Target(str(data["account_id"]), purposes), data["code"])
    return jsonify(ResetVerified().dump(result))


def _gone(slug: str, title: str) -> ProblemSpec:
    return ProblemSpec(410, slug, title, extra=lambda e: {"reason": getattr(e, "reason", "gone")})


def _throttled(slug: str, title: str) -> ProblemSpec:
    return ProblemSpec(
        429,
        slug,
        title,
        extra=lambda e: {"retry_after": getattr(e, "retry_after", 60)},
        headers=lambda e: {"Retry-After": str(getattr(e, "retry_after", 60))},
    )


ERRORS: dict[type[Exception], ProblemSpec] = {
    ChallengeNotFound: ProblemSpec(404, "challenge-not-found", "No live confirmation for this request"),
    WrongCode: ProblemSpec(
        422, "wrong-code", "Wrong code", extra=lambda e: {"attempts_left": getattr(e, "attempts_left", 0)}
    ),
    CodeExpired: _gone("code-expired", "The code expired"),
    CodeAlreadyUsed: _gone("code-used", "The code was already used"),
    AttemptsExhausted: _gone("attempts-exhausted", "Too many wrong codes"),
    ChallengeReplaced: _gone("code-superseded", "A newer code replaced this one"),
    ResendTooSoon: _throttled("resend-too-soon", "Wait before asking for another code"),
    SendBudgetExhausted: _throttled("send-budget-exhausted", "Too many codes this hour"),
}
