"""Composition root of the identity service."""

from __future__ import annotations

from identity.config import Settings
from identity.consumers import CONSUMERS
from kabinet.contracts import topics
from kabinet.service import ServiceDef

SERVICE = ServiceDef(
    name="identity",
    package="identity",
    default_port=8000,
    infra=lambda: Settings.from_env().infra,
    produces=(topics.ACCOUNTS,),
    consumers=CONSUMERS,
)
