"""Command handlers: gather what the decision needs, decide, append, refresh the view."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from billing_link.domain import (
    BillingRecord,
    Command,
    ConfirmProof,
    EndByBilling,
    Event,
    FailProof,
    Link,
    RequestLink,
    Service,
    Subscriber,
    Unlink,
    WarnLowBalance,
    decide,
    evolve,
    link_id_for,
)
from billing_link.domain.model import BillingEnd
from billing_link.eventstore import Loaded
from kabinet.eventstore import ConcurrencyConflict

log = logging.getLogger(__name__)
_ATTEMPTS = 5


class Links(Protocol):
    """Link streams (the event store)."""

    def load(self, link_id: str) -> Loaded: ...

    def append(self, link_id: str, version: int, event: Event) -> datetime: ...


class Views(Protocol):
    """The link view."""

    def save(self, link: Link, version: int, at: datetime) -> bool: ...

    def live_on_account(
        self, account_number: str, identifier: str | None = None, *, linked_only: bool = False
    ) -> list[str]: ...

    def linked_to_other(self, account_number: str, account_id: str) -> bool: ...


class Directory(Protocol):
    """The billing directory."""

    def get(self, account_number: str) -> BillingRecord | None: ...

    def find(self, service: Service) -> BillingRecord | None: ...


class Subscribers(Protocol):
    """Kabinet accounts' personal data."""

    def get(self, account_id: str) -> Subscriber | None: ...


@dataclass(frozen=True)
class Deps:
    """Everything the handlers use; bootstrap wires Mongo adapters, unit tests fakes."""

    links: Links
    views: Views
    directory: Directory
    subscribers: Subscribers


def add_service(deps: Deps, account_id: str, service: Service) -> Link:
    """ "Add service": linked at once on a holder match, else pending proof."""
    link_id = link_id_for(account_id, service)
    record = deps.directory.find(service)
    subscriber = deps.subscribers.get(account_id)
    taken = record is not None and deps.views.linked_to_other(record.account_number, account_id)
    link, _ = _execute(
        deps, link_id, lambda _: RequestLink(link_id, account_id, service, record, subscriber, taken)
    )
    assert link is not None  # a request always leaves a link behind
    return link


def confirm_proof(deps: Deps, *, link_id: str, account_id: str, destination: str) -> Link | None:
    """The code sent for this link was entered: link it if the account still fits."""

    def command(state: Link | None) -> Command:
        number = state.account_number if state else None
        record = deps.directory.get(number) if number else None
        return ConfirmProof(link_id, account_id, destination, record)

    return _execute(deps, link_id, command)[0]


def fail_proof(deps: Deps, *, link_id: str, account_id: str) -> Link | None:
    """The proof challenge died."""
    return _execute(deps, link_id, lambda _: FailProof(link_id, account_id))[0]


def unlink(deps: Deps, *, account_id: str, link_id: str) -> None:
    """The subscriber removes a link (`LinkNotFound` when it is not theirs)."""
    _execute(deps, link_id, lambda _: Unlink(link_id, account_id))


def end_links(deps: Deps, account_number: str, reason: BillingEnd, identifier: str | None = None) -> int:
    """Billing ended a number or an account: its live links end too; how many ended."""
    ended = 0
    for link_id in deps.views.live_on_account(account_number, identifier):
        ended += len(_execute(deps, link_id, _always(EndByBilling(link_id, reason)))[1])
    return ended


def warn_low_balance(
    deps: Deps, account_number: str, *, cause: str, balance: Mapping[str, str], threshold: str
) -> int:
    """The account's balance crossed below the threshold: each linked subscriber is told once."""
    warned = 0
    for link_id in deps.views.live_on_account(account_number, linked_only=True):

        def command(state: Link | None, lid: str = link_id) -> Command:
            sub = deps.subscribers.get(state.account_id) if state else None
            locale = sub.locale if sub else "ru"
            return WarnLowBalance(lid, cause, balance["amount"], balance["currency"], threshold, locale)

        warned += len(_execute(deps, link_id, command)[1])
    return warned


def _always(command: Command) -> Callable[[Link | None], Command]:
    return lambda _: command


def _execute(
    deps: Deps, link_id: str, command_for: Callable[[Link | None], Command | None]
) -> tuple[Link | None, list[Event]]:
    """Load, decide, append (retrying on a concurrent append), save the view; state and new events."""
    for _ in range(_ATTEMPTS):
        loaded = deps.links.load(link_id)
        command = command_for(loaded.state)
        events = decide(loaded.state, command) if command is not None else []
        state, version, at = loaded.state, loaded.version, loaded.at
        try:
            for event in events:
                at = deps.links.append(link_id, version + 1, event)
                state, version = evolve(state, event), version + 1
        except ConcurrencyConflict:
            log.info("concurrent append, retrying", extra={"link_id": link_id})
            continue
        if state is not None and at is not None:  # the view's time is its version's: a rebuild agrees
            deps.views.save(state, version, at)
        return state, events
    raise ConcurrencyConflict(f"{link_id}: gave up after {_ATTEMPTS} attempts")
