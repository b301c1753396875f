"""Registry of the billing-link service's consumers: group, topics, handler."""

from __future__ import annotations

from kabinet.service import ConsumerSpec

CONSUMERS: dict[str, ConsumerSpec] = {}
