"""Which payload fields are personal data, and sealing/opening them with the subject's keys.

A contract marks a field with marshmallow metadata: `metadata={"pii": True}` (purpose
`account`) or `{"pii": "<purpose>"}` (`security` for audit trails, `secret` for one-time
codes and tokens). The subject is the payload field the contract names in `SUBJECT`
(`account_id` unless told otherwise), or the envelope's stream id when that is empty.

The process's key store is set once by `use_keystore` (the `Runtime` does it); without
one, values are written plain (unit tests, old tooling) and sealed values cannot be read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from marshmallow import Schema, fields

from kabinet.privacy.crypto import ERASED, is_sealed, parse, seal, unseal
from kabinet.privacy.keystore import KeyStore

Path = tuple[str, ...]
DEFAULT_PURPOSE = "account"
PURPOSES = ("account", "security", "secret")

_store: KeyStore | None = None


class KeyStoreMissing(RuntimeError):
    """A sealed value arrived in a process that has no key store (a configuration error)."""


def use_keystore(store: KeyStore | None) -> None:
    """Set (or clear) the process's key store."""
    global _store
    _store = store


def keystore() -> KeyStore | None:
    """The process's key store, if any."""
    return _store


def purpose_of(field: fields.Field[Any]) -> str | None:
    """The purpose of a personal-data field, None for other fields."""
    mark = field.metadata.get("pii")
    if not mark:
        return None
    return DEFAULT_PURPOSE if mark is True else str(mark)


@cache
def pii_paths(schema: type[Schema]) -> tuple[tuple[Path, str], ...]:
    """Every (path, purpose) of personal data in a contract, nested ones included."""
    found: list[tuple[Path, str]] = []
    for name, field in schema._declared_fields.items():
        key = field.data_key or name
        purpose = purpose_of(field)
        if purpose:
            found.append(((key,), purpose))
        elif isinstance(field, fields.Nested) and isinstance(field.nested, type):
            found.extend(((key, *p), pur) for p, pur in pii_paths(field.nested))
    return tuple(found)


def subject_of(schema: type[Schema], payload: Mapping[str, Any], stream_id: str) -> str:
    """Whose key seals the payload's personal data."""
    name = getattr(schema, "SUBJECT", "account_id")
    value = payload.get(name) if name else None
    if value:
        return str(value)
    pattern = getattr(schema, "SUBJECT_OF_STREAM", None)
    shared = re.match(pattern, stream_id) if pattern else None
    return shared.group(1) if shared else stream_id


def seal_payload(schema: type[Schema], payload: dict[str, Any], stream_id: str) -> dict[str, Any]:
    """A copy with every plain personal-data value sealed (erased subjects get the placeholder)."""
    paths = pii_paths(schema)
    if not paths or _store is None:
        return payload
    subject = subject_of(schema, payload, stream_id)
    out: dict[str, Any] = _copy(payload)
    for path, purpose in paths:
        for parent, key in _slots(out, path):
            value = parent[key]
            if value is None or value == ERASED or is_sealed(value):
                continue
            k = _store.key_for(subject, purpose)
            parent[key] = ERASED if k is None else seal(k, subject=subject, purpose=purpose, value=value)
    return out


def open_payload(schema: type[Schema], payload: dict[str, Any]) -> dict[str, Any]:
    """A copy with every sealed value opened, or the `ERASED` placeholder once its key is gone."""
    paths = pii_paths(schema)
    if not paths:
        return payload
    out: dict[str, Any] = _copy(payload)
    for path, _ in paths:
        for parent, key in _slots(out, path):
            if is_sealed(parent[key]):
                parent[key] = open_value(parent[key])
    return out


def open_value(token: str) -> Any:
    """The value of one sealed token (`ERASED` when its key was destroyed)."""
    if _store is None:
        raise KeyStoreMissing("a sealed value needs a key store: call use_keystore() first")
    part = parse(token)
    key = _store.existing(part.subject, part.purpose)
    return ERASED if key is None else unseal(key, token)


def _slots(payload: dict[str, Any], path: Path) -> Iterator[tuple[dict[str, Any], str]]:
    node: Any = payload
    for step in path[:-1]:
        node = node.get(step) if isinstance(node, dict) else None
    if isinstance(node, dict) and path[-1] in node:
        yield node, path[-1]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
