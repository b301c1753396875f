"""Pure link domain: values, commands, events, `decide` and `evolve`, holder matching."""

from billing_link.domain.holder import normalize_name, same_person
from billing_link.domain.link import decide, evolve, fold, link_id_for
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
    PHONE_TYPES,
    BillingRecord,
    Link,
    LinkNotFound,
    Person,
    Service,
    Subscriber,
    is_low,
)

__all__ = [
    "PHONE_TYPES",
    "BalanceLow",
    "BillingRecord",
    "Command",
    "ConfirmProof",
    "EndByBilling",
    "Event",
    "FailProof",
    "Link",
    "LinkFailed",
    "LinkNotFound",
    "LinkRequested",
    "Person",
    "RequestLink",
    "Service",
    "ServiceLinked",
    "ServiceUnlinked",
    "Subscriber",
    "Unlink",
    "WarnLowBalance",
    "decide",
    "evolve",
    "fold",
    "is_low",
    "link_id_for",
    "normalize_name",
    "same_person",
]
