"""Find a service's definition by name: the four Kabinet services, `module:ATTR`, or extras (tests)."""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from kabinet.ops.infra import OpsError
from kabinet.service import ConsumerSpec, ServiceDef

KNOWN = {
    "identity": "identity.bootstrap:SERVICE",
    "verification": "verification.bootstrap:SERVICE",
    "billing-link": "billing_link.bootstrap:SERVICE",
    "notifier": "notifier.bootstrap:SERVICE",
}


def resolve(name: str, extra: Mapping[str, ServiceDef] | None = None) -> ServiceDef:
    """The `ServiceDef` called `name`."""
    if extra and name in extra:
        return extra[name]
    target = KNOWN.get(name) or KNOWN.get(name.replace("_", "-")) or name
    module, _, attr = target.partition(":")
    if not attr:
        raise OpsError(f"unknown service {name!r} (one of {', '.join(KNOWN)}, or module:ATTR)")
    try:
        service = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise OpsError(f"cannot load service {name!r} from {target}: {exc}") from exc
    if not isinstance(service, ServiceDef):
        raise OpsError(f"{target} is not a kabinet.service.ServiceDef")
    return service


def replayable(service: ServiceDef, names: list[str] | None = None) -> list[ConsumerSpec]:
    """The consumers a rebuild re-runs: the named ones, or every one marked replayable."""
    if names:
        unknown = sorted(set(names) - set(service.consumers))
        if unknown:
            raise OpsError(f"{service.name} has no consumer {', '.join(unknown)}")
        specs = [service.consumers[n] for n in names]
    else:
        specs = [s for s in service.consumers.values() if s.replayable]
    refused = [s.name for s in specs if not s.replayable]
    if refused:
        raise OpsError(f"{service.name}: {', '.join(refused)} not marked ConsumerSpec(replayable=True)")
    if not specs:
        raise OpsError(f"{service.name} has no consumer marked ConsumerSpec(replayable=True)")
    return specs
