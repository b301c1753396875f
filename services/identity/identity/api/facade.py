"""Routes served by other services: confirmations (verification) and services (billing-link).

Service lists and details are read from the gateway's own service view (`service_views`);
commands go to the service that owns them. They append nothing here: the service that does
gates its own commands (`kabinet.write_gate`), and its `503` reaches the caller as the
gateway's `503` + `Retry-After`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from flask import redirect, request
from flask_smorest import Blueprint

from identity.api.context import BEARER, authenticated, claims, gateway
from identity.api.schemas import Problem
from identity.api.schemas_me import (
    ConfirmIn,
    LinkOut,
    LinkTokenArgs,
    ResendIn,
    ServiceConfirmIn,
    ServiceIn,
    ServiceOut,
    StatusOut,
)
from identity.handlers import facade
from kabinet.write_gate import appends_nothing

confirmations = Blueprint("confirmations", __name__, description="Contact confirmation (verification)")
services = Blueprint("services", __name__, url_prefix="/api/v1", description="Linked services")


def _ids(body: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, UUID) else v for k, v in body.items()}


@confirmations.route("/api/v1/confirmations", methods=["POST"])
@appends_nothing
@confirmations.arguments(ConfirmIn)
@confirmations.response(200, StatusOut)
@confirmations.alt_response(410, schema=Problem, description="Used up or expired")
@confirmations.alt_response(422, schema=Problem, description="Wrong code; `attempts_left`")
def post_confirmation(data: dict[str, Any]) -> dict[str, Any]:
    """Submit the code sent by SMS or email."""
    return facade.confirm(gateway(), _ids(data))


@confirmations.route("/api/v1/confirmations/resend", methods=["POST"])
@appends_nothing
@confirmations.arguments(ResendIn)
@confirmations.response(202, StatusOut)
@confirmations.alt_response(429, schema=Problem, description="Too soon; see `Retry-After`")
def post_resend(data: dict[str, Any]) -> dict[str, Any]:
    """Send a new code (the old one stops working)."""
    return facade.resend(gateway(), _ids(data))


@confirmations.route("/confirm", methods=["GET"])
@confirmations.arguments(LinkTokenArgs, location="query")
@confirmations.response(200, StatusOut)
@confirmations.alt_response(410, schema=Problem)
def get_confirm(args: dict[str, Any]) -> Any:
    """The link in the confirmation email; a browser is sent to the UI's landing page."""
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        return redirect(f"/confirm-email?{urlencode({'token': args['token']})}", code=303)
    return facade.confirm_link(gateway(), args["token"])


@services.route("/services", methods=["GET"])
@authenticated
@services.response(200, ServiceOut(many=True))
@services.doc(security=BEARER)
def get_services() -> list[dict[str, Any]]:
    """The caller's linked services with balance and status."""
    return facade.list_services(gateway(), claims().account_id)


@services.route("/services", methods=["POST"])
@appends_nothing
@authenticated
@services.arguments(ServiceIn)
@services.response(202, LinkOut)
@services.doc(security=BEARER)
def post_service(data: dict[str, Any]) -> dict[str, Any]:
    """ "Add service": `linked` at once when the holder matches, else `pending_proof` (a code goes out)."""
    return facade.add_service(gateway(), claims().account_id, data)


@services.route("/services/<uuid:link_id>/confirm", methods=["POST"])
@appends_nothing
@authenticated
@services.arguments(ServiceConfirmIn)
@services.response(200, LinkOut)
@services.alt_response(422, schema=Problem)
@services.doc(security=BEARER)
def post_service_confirm(data: dict[str, Any], link_id: UUID) -> tuple[dict[str, Any], int]:
    """Prove ownership with the code sent to the contract phone."""
    return facade.confirm_service(gateway(), claims().account_id, str(link_id), data["code"])


@services.route("/services/<uuid:link_id>", methods=["GET"])
@authenticated
@services.response(200, ServiceOut)
@services.alt_response(404, schema=Problem)
@services.doc(security=BEARER)
def get_service(link_id: UUID) -> dict[str, Any]:
    """One service: balance, status, plan, connected options."""
    return facade.get_service(gateway(), claims().account_id, str(link_id))


@services.route("/services/<uuid:link_id>", methods=["DELETE"])
@appends_nothing
@authenticated
@services.response(204)
@services.doc(security=BEARER)
def delete_service(link_id: UUID) -> None:
    """Unlink a service."""
    facade.remove_service(gateway(), claims().account_id, str(link_id))
