"""What `kabinet.ops rebuild` re-runs for each Kabinet service: one projection, its collections only."""

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
def test_each_service_rebuilds_one_projection_that_declares_only_read_models(name: str) -> None:
    service = resolve(name)
    [spec] = replayable(service)
    owned = set(spec.collections)
    assert owned and not owned & (NEVER[name] | {"events", "counters"})
    others = [s for s in service.consumers.values() if s is not spec]
    assert others and not any(s.replayable or s.collections for s in others)
