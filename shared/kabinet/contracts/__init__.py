"""Kabinet's public event contracts: envelope, topics, payload schemas, registry, codec."""

from kabinet.contracts.codec import (
    ContractViolation,
    DecodeError,
    UnknownEventType,
    decode,
    encode,
    open_envelope,
)
from kabinet.contracts.envelope import Envelope, new_envelope
from kabinet.contracts.registry import REGISTRY, EventSpec, Registry

__all__ = [
    "REGISTRY",
    "ContractViolation",
    "DecodeError",
    "Envelope",
    "EventSpec",
    "Registry",
    "UnknownEventType",
    "decode",
    "encode",
    "new_envelope",
    "open_envelope",
]
