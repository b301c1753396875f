"""AES-GCM sealing of personal-data values and of subject keys (wrapping by a master key).

A sealed value is a self-describing string, so a payload may mix sealed and plain values
(events written before encryption still decode):

    kenc:v1:<purpose>:<subject>:<base64url(nonce ‖ ciphertext ‖ tag)>

The subject and purpose are bound to the ciphertext as associated data, so a value can
not be moved to another subject. The plaintext is the JSON form of the value.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "kenc:v1:"
ERASED = "[erased]"
KEY_BYTES = 32
_NONCE = 12


class Tampered(ValueError):
    """A sealed value does not open with the key it names: corrupt or forged."""


@dataclass(frozen=True)
class Sealed:
    """The parts of a sealed value."""

    purpose: str
    subject: str
    blob: bytes


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def is_sealed(value: Any) -> bool:
    """Whether `value` is a sealed token."""
    return isinstance(value, str) and value.startswith(PREFIX)


def is_opaque(value: Any) -> bool:
    """Sealed or erased: a value the contracts pass through without validating it."""
    return value == ERASED or is_sealed(value)


def b64e(raw: bytes) -> str:
    """URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64d(text: str) -> bytes:
    """Inverse of `b64e`."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """nonce ‖ AES-GCM(ciphertext ‖ tag)."""
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    """Inverse of `encrypt`; `Tampered` when the tag does not verify."""
    try:
        return AESGCM(key).decrypt(blob[:_NONCE], blob[_NONCE:], aad)
    except (InvalidTag, ValueError) as exc:
        raise Tampered("a sealed value failed authentication") from exc


def seal(key: bytes, *, subject: str, purpose: str, value: Any) -> str:
    """The sealed token of a JSON value."""
    if ":" in subject or ":" in purpose:
        raise ValueError("subject and purpose must not contain ':'")
    plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    blob = encrypt(key, plain, f"{purpose}|{subject}".encode())
    return f"{PREFIX}{purpose}:{subject}:{b64e(blob)}"


def parse(token: str) -> Sealed:
    """Split a sealed token (`Tampered` when it is malformed)."""
    try:
        purpose, subject, blob = token[len(PREFIX) :].split(":", 2)
        return Sealed(purpose, subject, b64d(blob))
    except ValueError as exc:
        raise Tampered("a sealed value is malformed") from exc


def unseal(key: bytes, token: str) -> Any:
    """The value a sealed token holds."""
    part = parse(token)
    return json.loads(decrypt(key, part.blob, f"{part.purpose}|{part.subject}".encode()))
