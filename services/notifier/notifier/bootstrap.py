"""Composition root of the notifier service."""

from __future__ import annotations

from kabinet.contracts import topics
from kabinet.service import ServiceDef
from notifier.config import Settings
from notifier.consumers import CONSUMERS

SERVICE = ServiceDef(
    name="notifier",
    package="notifier",
    default_port=8003,
    infra=lambda: Settings.from_env().infra,
    produces=(topics.NOTIFICATIONS,),
    consumers=CONSUMERS,
)
