"""Calls that belong to other services, made over internal HTTP (docs/internal-api.md).

Service reads are answered from the gateway's service view; each service command's reply
carries the link's state at its version, which the view records at once (read-your-writes).
"""

from __future__ import annotations

import time
from typing import Any

from identity import domain as d
from identity.downstream import DownstreamProblem, Reply
from identity.gateway import Gateway, ServiceView
from kabinet.logs import correlation_id


def _ok(reply: Reply) -> Any:
    if not reply.ok:
        raise DownstreamProblem(reply)
    return reply.body


def confirm(gw: Gateway, body: dict[str, Any]) -> dict[str, Any]:
    """Submit a code to verification: `{status}`; wrong code 422 (attempts_left), dead 410."""
    reply = gw.verification.call(
        "POST", "/internal/v1/confirmations", json=body, correlation_id=correlation_id()
    )
    return {"status": _ok(reply).get("status", "confirmed")}


def confirm_link(gw: Gateway, token: str) -> dict[str, Any]:
    """Follow an email link: the same replies as a code."""
    reply = gw.verification.call(
        "GET", "/internal/v1/confirmations/by-link", params={"token": token}, correlation_id=correlation_id()
    )
    return {"status": _ok(reply).get("status", "confirmed")}


def resend(gw: Gateway, body: dict[str, Any]) -> dict[str, Any]:
    """Ask for a new code: `{expires_at}`; too soon 429 + Retry-After."""
    reply = gw.verification.call(
        "POST", "/internal/v1/confirmations/resend", json=body, correlation_id=correlation_id()
    )
    return dict(_ok(reply) or {})


def _services_path(account_id: str, link_id: str | None = None) -> str:
    path = f"/internal/v1/accounts/{account_id}/services"
    return f"{path}/{link_id}" if link_id else path


def _views(gw: Gateway) -> ServiceView:
    if gw.services is None:
        raise RuntimeError("the gateway was built without its service view")
    return gw.services


def _recorded(gw: Gateway, reply: dict[str, Any]) -> dict[str, Any]:
    """A billing-link reply whose link state (at its version) the service view takes at once."""
    state = reply.pop("state", None)
    if state:
        _views(gw).record(str(reply["link_id"]), state)
    return reply


def list_services(gw: Gateway, account_id: str) -> list[dict[str, Any]]:
    """The caller's pending and linked services, from the gateway's own service view."""
    return _views(gw).list(account_id)


def add_service(gw: Gateway, account_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """ "Add service": `{link_id, status}` (`linked` or `pending_proof`)."""
    reply = gw.billing_link.call(
        "POST", _services_path(account_id), json=body, correlation_id=correlation_id()
    )
    return _recorded(gw, dict(_ok(reply)))


def get_service(gw: Gateway, account_id: str, link_id: str) -> dict[str, Any]:
    """One link's details from the service view; another subscriber's link is a 404."""
    shown = _views(gw).details(account_id, link_id)
    if shown is None:
        raise d.ServiceNotFound(link_id)
    return shown


def _link_at_billing_link(gw: Gateway, account_id: str, link_id: str) -> dict[str, Any]:
    """The link as billing-link has it now (recorded in the view on the way)."""
    path = _services_path(account_id, link_id)
    return _recorded(gw, dict(_ok(gw.billing_link.call("GET", path, correlation_id=correlation_id()))))


def remove_service(gw: Gateway, account_id: str, link_id: str) -> None:
    """Unlink."""
    path = _services_path(account_id, link_id)
    _recorded(gw, dict(_ok(gw.billing_link.call("DELETE", path, correlation_id=correlation_id()))))


def confirm_service(gw: Gateway, account_id: str, link_id: str, code: str) -> tuple[dict[str, Any], int]:
    """Prove ownership with the code sent to the contract phone, then wait (briefly) for the link."""
    proof = {
        "account_id": account_id,
        "channel": "sms",
        "code": code,
        "purpose": "service_link",
        "request_id": link_id,
    }
    _ok(
        gw.verification.call(
            "POST", "/internal/v1/confirmations", json=proof, correlation_id=correlation_id()
        )
    )
    deadline = time.monotonic() + gw.settings.link_wait_seconds
    status = "pending_proof"
    while True:
        status = str(_link_at_billing_link(gw, account_id, link_id).get("status", status))
        if status == "linked" or time.monotonic() >= deadline:
            break
        time.sleep(0.2)  # polling billing-link while it consumes ContactConfirmed (internal-api.md)
    return {"status": status}, 200 if status == "linked" else 202
