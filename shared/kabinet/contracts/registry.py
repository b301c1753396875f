"""Registry of contracts: event type → version → schema, topic, producer, example; upcasters."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kabinet.contracts import accounts, billing, notifications, services, topics, verification
from kabinet.contracts.base import Contract
from kabinet.contracts.examples import EXAMPLES

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class EventSpec:
    """One released version of one event type."""

    event_type: str
    version: int
    schema: type[Contract]
    topic: str
    producer: str
    example: Mapping[str, Any]


class UnknownEvent(LookupError):
    """No contract is registered for this event type and version."""


class Registry:
    """Contracts by type and version, with upcasters from each version to the next."""

    def __init__(self) -> None:
        self._specs: dict[tuple[str, int], EventSpec] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, spec: EventSpec) -> None:
        """Add a released version."""
        key = (spec.event_type, spec.version)
        if key in self._specs:
            raise ValueError(f"{spec.event_type} v{spec.version} is registered twice")
        self._specs[key] = spec

    def upcaster(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorator: register a pure function turning a v`n` payload into v`n+1`."""

        def add(fn: Upcaster) -> Upcaster:
            self._upcasters[(event_type, from_version)] = fn
            return fn

        return add

    def spec(self, event_type: str, version: int) -> EventSpec:
        """The contract of one version."""
        try:
            return self._specs[(event_type, version)]
        except KeyError:
            raise UnknownEvent(f"{event_type} v{version}") from None

    def knows(self, event_type: str) -> bool:
        """Whether any version of the event type is registered."""
        return any(t == event_type for (t, _) in self._specs)

    def latest(self, event_type: str) -> EventSpec:
        """The newest released version of an event type."""
        versions = [v for (t, v) in self._specs if t == event_type]
        if not versions:
            raise UnknownEvent(event_type)
        return self._specs[(event_type, max(versions))]

    def upcast(self, event_type: str, version: int, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Lift a payload to the newest version through the registered upcasters."""
        target = self.latest(event_type).version
        while version < target:
            step = self._upcasters.get((event_type, version))
            if step is None:
                raise UnknownEvent(f"no upcaster for {event_type} v{version}")
            payload, version = step(payload), version + 1
        return version, payload

    def __iter__(self) -> Iterator[EventSpec]:
        return iter(sorted(self._specs.values(), key=lambda s: (s.topic, s.event_type, s.version)))

    def topics(self) -> list[str]:
        """Every topic some contract lives on."""
        return sorted({s.topic for s in self._specs.values()})

    def types_on(self, *topics: str) -> frozenset[str]:
        """The event types of the given topics."""
        return frozenset(s.event_type for s in self._specs.values() if s.topic in topics)


def _build() -> Registry:
    reg = Registry()
    table: list[tuple[str, type[Contract], str, str]] = [
        ("UserRegistered", accounts.UserRegisteredV1, topics.ACCOUNTS, "identity"),
        ("ContactChangeRequested", accounts.ContactChangeRequestedV1, topics.ACCOUNTS, "identity"),
        ("PasswordChanged", accounts.PasswordChangedV1, topics.ACCOUNTS, "identity"),
        ("PasswordResetRequested", accounts.PasswordResetRequestedV1, topics.ACCOUNTS, "identity"),
        ("ContactUsedAgain", accounts.ContactUsedAgainV1, topics.ACCOUNTS, "identity"),
        ("ContactReleased", accounts.ContactReleasedV1, topics.ACCOUNTS, "identity"),
        ("LoginReserved", accounts.LoginReservedV1, topics.ACCOUNTS, "identity"),
        ("AccountActivated", accounts.AccountActivatedV1, topics.ACCOUNTS, "identity"),
        ("ContactVerified", accounts.ContactVerifiedV1, topics.ACCOUNTS, "identity"),
        ("ContactChanged", accounts.ContactChangedV1, topics.ACCOUNTS, "identity"),
        ("LoginSucceeded", accounts.LoginSucceededV1, topics.ACCOUNTS, "identity"),
        ("LoginFailed", accounts.LoginFailedV1, topics.ACCOUNTS, "identity"),
        ("AccountSoftLocked", accounts.AccountSoftLockedV1, topics.ACCOUNTS, "identity"),
        ("SessionsRevoked", accounts.SessionsRevokedV1, topics.ACCOUNTS, "identity"),
        ("AccountErased", accounts.AccountErasedV1, topics.ACCOUNTS, "identity"),
        (
            "NotificationSettingsChanged",
            accounts.NotificationSettingsChangedV1,
            topics.ACCOUNTS,
            "identity",
        ),
        ("VerificationRequested", verification.VerificationRequestedV1, topics.VERIFICATION, "verification"),
        ("ContactConfirmed", verification.ContactConfirmedV1, topics.VERIFICATION, "verification"),
        ("VerificationFailed", verification.VerificationFailedV1, topics.VERIFICATION, "verification"),
        ("CodeRejected", verification.CodeRejectedV1, topics.VERIFICATION, "verification"),
        ("ChallengeSuperseded", verification.ChallengeSupersededV1, topics.VERIFICATION, "verification"),
        ("ServiceLinkRequested", services.ServiceLinkRequestedV1, topics.SERVICES, "billing-link"),
        ("ServiceAdded", services.ServiceAddedV1, topics.SERVICES, "billing-link"),
        ("ServiceRemoved", services.ServiceRemovedV1, topics.SERVICES, "billing-link"),
        ("ServiceLinkFailed", services.ServiceLinkFailedV1, topics.SERVICES, "billing-link"),
        ("ServiceBalanceLow", services.ServiceBalanceLowV1, topics.SERVICES, "billing-link"),
        ("NotificationSent", notifications.NotificationSentV1, topics.NOTIFICATIONS, "notifier"),
        ("NotificationFailed", notifications.NotificationFailedV1, topics.NOTIFICATIONS, "notifier"),
        ("NotificationDelivered", notifications.NotificationDeliveredV1, topics.NOTIFICATIONS, "notifier"),
        ("BillingAccountUpserted", billing.BillingAccountUpsertedV1, topics.BILLING_FEED, "billing"),
        ("BalanceChanged", billing.BalanceChangedV1, topics.BILLING_FEED, "billing"),
        ("AccountStatusChanged", billing.AccountStatusChangedV1, topics.BILLING_FEED, "billing"),
        ("NumberReleased", billing.NumberReleasedV1, topics.BILLING_FEED, "billing"),
    ]
    for event_type, schema, topic, producer in table:
        reg.register(EventSpec(event_type, 1, schema, topic, producer, EXAMPLES[(event_type, 1)]))
    return reg


REGISTRY = _build()
