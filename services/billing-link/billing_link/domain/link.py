"""The link aggregate: `decide(state, command) -> events`, `evolve(state, event) -> state`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace

from billing_link.domain.messages import (
    BalanceLow,
    Command,
    ConfirmProof,
    EndByBilling,
    Event,
    FailProof,
    LinkFailed,
    LinkRequested,
    RequestLink,
    ServiceLinked,
    ServiceUnlinked,
    Unlink,
    WarnLowBalance,
)
from billing_link.domain.model import (
    BillingRecord,
    Link,
    LinkNotFound,
    Service,
)

_LINK_NAMESPACE = uuid.UUID("6d3f1a52-9c1e-4f6b-8a0e-2b7c4d5e6f70")
_LIVE = ("pending_proof", "linked")


def link_id_for(account_id: str, service: Service) -> str:
    """The one link id of a service per account: asking twice lands on the same stream."""
    key = f"{account_id}|{service.type}|{service.region}|{service.identifier}"
    return str(uuid.uuid5(_LINK_NAMESPACE, key))


def decide(state: Link | None, command: Command) -> list[Event]:
    """The events `command` causes on the link in `state` (empty when nothing changes)."""
    if isinstance(command, RequestLink):
        return _request(state, command)
    if isinstance(command, ConfirmProof):
        return _confirm(state, command)
    if isinstance(command, FailProof):
        if state is None or state.status != "pending_proof" or state.account_id != command.account_id:
            return []
        return [LinkFailed(state.link_id, state.account_id, "proof_failed")]
    if isinstance(command, Unlink):
        return _unlink(state, command)
    if isinstance(command, WarnLowBalance):
        return _warn(state, command)
    return _end(state, command)


def _request(state: Link | None, cmd: RequestLink) -> list[Event]:
    if state is not None and state.status == "linked":
        return []  # the same service twice: the existing link stands
    event = _assess(cmd)
    if (
        isinstance(event, LinkRequested)
        and state is not None
        and state.status == "pending_proof"
        and (state.account_number, state.proof_destination) == (event.account_number, event.proof_destination)
    ):
        return []  # still waiting for the same proof: a new code is the resend endpoint's job
    return [event]


def _assess(cmd: RequestLink) -> Event:
    record, subscriber, service = cmd.record, cmd.subscriber, cmd.service
    locale = subscriber.locale if subscriber else "ru"
    if record is None or not record.serves(service):
        # unknown, wrong region or terminated: the same reply, and no code to anyone
        return LinkRequested(cmd.link_id, cmd.account_id, service, None, None, locale)
    holder_ok = (
        subscriber is not None
        and not cmd.taken_by_other
        and record.held_by(subscriber.holder)
        and (service.type != "mobile" or subscriber.confirmed_phone == service.identifier)
    )
    if holder_ok:
        return ServiceLinked(cmd.link_id, cmd.account_id, service, record.account_number, "holder_match")
    return LinkRequested(
        cmd.link_id, cmd.account_id, service, record.account_number, record.contract_phone, locale
    )


def _confirm(state: Link | None, cmd: ConfirmProof) -> list[Event]:
    if (
        state is None
        or state.status != "pending_proof"
        or state.account_id != cmd.account_id
        or state.proof_destination is None
        or state.proof_destination != cmd.destination
    ):
        return []  # a redelivery, or a proof that was never asked of this destination
    if not _still_serves(cmd.record, state):
        return [LinkFailed(state.link_id, state.account_id, "account_unavailable")]
    assert state.account_number is not None  # a proof destination implies a matched account
    return [ServiceLinked(state.link_id, state.account_id, state.service, state.account_number, "code")]


def _still_serves(record: BillingRecord | None, state: Link) -> bool:
    return (
        record is not None and record.account_number == state.account_number and record.serves(state.service)
    )


def _unlink(state: Link | None, cmd: Unlink) -> list[Event]:
    if state is None or state.account_id != cmd.account_id or state.status == "removed":
        raise LinkNotFound(cmd.link_id)
    return [ServiceUnlinked(state.link_id, state.account_id, "unlinked")]


def _end(state: Link | None, cmd: EndByBilling) -> list[Event]:
    if state is None or state.status not in _LIVE:
        return []
    if state.status == "linked":
        return [ServiceUnlinked(state.link_id, state.account_id, cmd.reason)]
    return [LinkFailed(state.link_id, state.account_id, cmd.reason)]


def _warn(state: Link | None, cmd: WarnLowBalance) -> list[Event]:
    if state is None or state.status != "linked" or state.low_balance_cause == cmd.cause:
        return []  # not linked, or this very drop was already told
    assert state.account_number is not None  # linked implies an account
    return [
        BalanceLow(
            state.link_id,
            state.account_id,
            state.service,
            state.account_number,
            cmd.amount,
            cmd.currency,
            cmd.threshold,
            cmd.cause,
            cmd.locale,
        )
    ]


def evolve(state: Link | None, event: Event) -> Link:
    """The link after `event`."""
    if isinstance(event, LinkRequested):
        return Link(
            event.link_id,
            event.account_id,
            event.service,
            "pending_proof",
            account_number=event.account_number,
            proof_destination=event.proof_destination,
        )
    if isinstance(event, ServiceLinked):
        return Link(
            event.link_id,
            event.account_id,
            event.service,
            "linked",
            event.account_number,
            None,
            event.linked_via,
        )
    if state is None:
        raise ValueError(f"{type(event).__name__} before the link was requested")
    if isinstance(event, BalanceLow):
        return replace(state, low_balance_cause=event.cause)
    if isinstance(event, LinkFailed):
        return replace(state, status="failed", proof_destination=None, reason=event.reason)
    return replace(state, status="removed", proof_destination=None, reason=event.reason)


def fold(events: Iterable[Event], state: Link | None = None) -> Link | None:
    """The state after every event, oldest first."""
    for event in events:
        state = evolve(state, event)
    return state
