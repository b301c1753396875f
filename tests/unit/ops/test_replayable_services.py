"""What `kabinet.ops rebuild` re-runs for each Kabinet service: its projections, their collections only."""

from __future__ import annotations

import pytest

from kabinet.ops.services import KNOWN, replayable, resolve

# the side-effect state no projection may own (docs/operators.md, *Shadow rebuilds*)
NEVER = {
    "identity": {"credentials", "sessions", "refresh_tokens", "throttle", "erasure_receipts"},
    "verification": {"sends"},
    "billing-link": {"billing_feed_marks"},
    "notifier": {"notifications"},
}


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_each_service_rebuilds_projections_that_declare_only_read_models_of_their_own(name: str) -> None:
    service = resolve(name)
    specs = replayable(service)
    owned = [set(spec.collections) for spec in specs]
    assert owned and all(owned)
    assert sum(map(len, owned)) == len(set().union(*owned))  # no collection has two writers
    assert not set().union(*owned) & (NEVER[name] | {"events", "counters"})
    others = [s for s in service.consumers.values() if s not in specs]
    assert others and not any(s.replayable or s.collections for s in others)
