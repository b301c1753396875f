"""Composition root of the verification service."""

from __future__ import annotations

from kabinet.contracts import topics
from kabinet.service import ServiceDef
from verification.config import Settings
from verification.consumers import CONSUMERS

SERVICE = ServiceDef(
    name="verification",
    package="verification",
    default_port=8001,
    infra=lambda: Settings.from_env().infra,
    produces=(topics.VERIFICATION,),
    consumers=CONSUMERS,
)
