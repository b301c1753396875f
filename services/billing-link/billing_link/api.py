"""Internal HTTP API (docs/internal-api.md): a subscriber's services, "Add service", unlink."""

from __future__ import annotations

from typing import Any

import pycountry
from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import Schema, ValidationError, fields, post_load, validate

from billing_link.domain import Service
from billing_link.handlers import Deps, add_service, unlink
from billing_link.identifiers import BadIdentifier, normalize_identifier
from billing_link.queries import ServiceQueries
from kabinet.contracts.base import REGION, SERVICE_TYPES

bp = Blueprint("services", __name__, url_prefix="/internal/v1/accounts/<uuid:account_id>/services")


def _real_region(code: str) -> None:
    if pycountry.subdivisions.get(code=code) is None:  # type: ignore[no-untyped-call]
        raise ValidationError("Unknown region code.")


class AddServiceIn(Schema):
    """`{region, type, identifier}`; the identifier is normalised for its type."""

    region = fields.String(required=True, validate=[REGION, _real_region])
    type = fields.String(required=True, validate=validate.OneOf(SERVICE_TYPES))
    identifier = fields.String(required=True, validate=validate.Length(1, 64))

    @post_load
    def _service(self, data: dict[str, Any], **_: Any) -> Service:
        try:
            identifier = normalize_identifier(data["type"], data["identifier"])
        except BadIdentifier as exc:
            raise ValidationError({"identifier": [str(exc)]}) from exc
        return Service(data["region"], data["type"], identifier)


class MoneyOut(Schema):
    amount = fields.String()
    currency = fields.String()


class OptionOut(Schema):
    code = fields.String()
    name = fields.String()
    status = fields.String()


class ServiceOut(Schema):
    """One line of the list."""

    link_id = fields.String()
    type = fields.String()
    region = fields.String()
    identifier = fields.String()
    status = fields.String()
    service_status = fields.String(allow_none=True)
    balance = fields.Nested(MoneyOut, allow_none=True)
    updated_at = fields.AwareDateTime()


class LinkStateOut(Schema):
    """A link as its stream left it: what the gateway's service view records at `version`."""

    account_id = fields.String()
    type = fields.String()
    region = fields.String()
    identifier = fields.String()
    account_number = fields.String(allow_none=True)
    status = fields.String()
    reason = fields.String(allow_none=True)
    version = fields.Integer()
    at = fields.AwareDateTime()


def _state(state: dict[str, Any] | None) -> dict[str, Any] | None:
    return LinkStateOut().dump(state) if state is not None else None


class ServiceDetailsOut(ServiceOut):
    """A link with its plan and connected options."""

    plan = fields.String(allow_none=True)
    options = fields.List(fields.Nested(OptionOut))
    reason = fields.String(allow_none=True)


def _deps() -> Deps:
    deps: Deps = current_app.extensions["billing_link.deps"]
    return deps


def _queries() -> ServiceQueries:
    queries: ServiceQueries = current_app.extensions["billing_link.queries"]
    return queries


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError({"_schema": ["The body must be a JSON object."]})
    return body


@bp.get("")
def list_services(account_id: Any) -> Response:
    """The account's services with masked identifiers, statuses and balances."""
    return jsonify(ServiceOut(many=True).dump(_queries().list(str(account_id))))


@bp.post("")
def add(account_id: Any) -> tuple[Response, int]:
    """ "Add service" → 202 `{link_id, status}` (`linked` or `pending_proof`)."""
    service: Service = AddServiceIn().load(_body())
    link = add_service(_deps(), str(account_id), service)
    status = "linked" if link.status == "linked" else "pending_proof"
    return jsonify(link_id=link.link_id, status=status, state=_state(_queries().state(link.link_id))), 202


@bp.get("/<uuid:link_id>")
def details(account_id: Any, link_id: Any) -> Response:
    """One link with plan and options; another account's link is 404."""
    item = _queries().details(str(account_id), str(link_id))
    return jsonify({**ServiceDetailsOut().dump(item), "state": _state(item["state"])})


@bp.delete("/<uuid:link_id>")
def remove(account_id: Any, link_id: Any) -> Response:
    """Unlink → 200 `{link_id, status: "removed", state}`."""
    unlink(_deps(), account_id=str(account_id), link_id=str(link_id))
    return jsonify(link_id=str(link_id), status="removed", state=_state(_queries().state(str(link_id))))
