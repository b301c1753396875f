"""Composition root of the billing-link service."""

from __future__ import annotations

from billing_link.config import Settings
from billing_link.consumers import CONSUMERS
from kabinet.contracts import topics
from kabinet.service import ServiceDef

SERVICE = ServiceDef(
    name="billing-link",
    package="billing_link",
    default_port=8002,
    infra=lambda: Settings.from_env().infra,
    produces=(topics.SERVICES,),
    consumers=CONSUMERS,
)
