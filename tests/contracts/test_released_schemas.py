"""Released schemas are frozen: fields may be added as optional, never removed or retyped."""

from __future__ import annotations

import json
from pathlib import Path

from kabinet.contracts import REGISTRY
from kabinet.contracts.snapshot import describe

RELEASED = Path(__file__).parent / "released.json"


def test_no_released_field_was_removed_retyped_or_made_required():
    released = json.loads(RELEASED.read_text())
    current = describe(REGISTRY)
    for key, fields in released.items():
        assert key in current, f"released contract {key} disappeared"
        for name, shape in fields.items():
            now = current[key].get(name)
            assert now is not None, f"{key}: released field {name!r} was removed"
            assert now["type"] == shape["type"], f"{key}.{name} changed type"
            assert not (now["required"] and not shape["required"]), f"{key}.{name} became required"


def test_new_fields_of_a_released_version_are_optional():
    released = json.loads(RELEASED.read_text())
    current = describe(REGISTRY)
    for key, fields in current.items():
        if key in released:
            added = set(fields) - set(released[key])
            assert not [n for n in added if fields[n]["required"]], f"{key}: new fields must be optional"
