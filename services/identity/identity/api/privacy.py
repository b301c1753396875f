"""`POST /api/v1/me/erasure` (right to erasure) and `GET /api/v1/me/export` (right of access)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from identity.api.context import BEARER, authenticated, claims, gateway
from identity.api.schemas import RAW_PASSWORD, Problem
from identity.handlers.privacy import erase, export

blp = Blueprint("privacy", __name__, url_prefix="/api/v1", description="The subscriber's personal data")


class ErasureIn(Schema):
    password = fields.String(required=True, validate=RAW_PASSWORD, metadata={"description": "re-entered"})


class ErasureOut(Schema):
    account_id = fields.String()
    status = fields.String(metadata={"description": "`erased`"})
    erased_at = fields.String()
    keys_destroyed = fields.List(fields.Dict())


class ExportOut(Schema):
    account_id = fields.String()
    exported_at = fields.String()
    profile = fields.Dict()
    contacts = fields.List(fields.Dict())
    notification_settings = fields.Dict(allow_none=True)
    services = fields.List(fields.Dict())
    notifications = fields.List(fields.Dict())
    security_events = fields.List(fields.Dict())
    sessions = fields.List(fields.Dict(), metadata={"description": "Signed-in sessions still live"})


@blp.route("/me/erasure", methods=["POST"])
@authenticated
@blp.arguments(ErasureIn)
@blp.response(202, ErasureOut)
@blp.alt_response(422, schema=Problem, description="Wrong password")
@blp.alt_response(429, schema=Problem)
@blp.doc(security=BEARER)
def post_erasure(data: dict[str, Any]) -> dict[str, Any]:
    """Close the account and erase its personal data everywhere (keys destroyed; sessions end).

    Accepted at once; other services drop their copies as they read AccountErased.
    """
    receipt = erase(gateway(), claims().account_id, password=data["password"])
    return {
        "account_id": receipt["account_id"],
        "status": "erased",
        "erased_at": receipt["erased_at"].isoformat(),
        "keys_destroyed": receipt["keys_destroyed"],
    }


@blp.route("/me/export", methods=["GET"])
@authenticated
@blp.response(200, ExportOut)
@blp.alt_response(401, schema=Problem)
@blp.doc(security=BEARER)
def get_export() -> dict[str, Any]:
    """Everything Kabinet holds about the caller: profile, contacts, services, notices, security events."""
    return export(gateway(), claims().account_id)
