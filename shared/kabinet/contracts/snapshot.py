"""Shape of every contract (field → type, required) for the released-schema freeze.

`python -m kabinet.contracts.snapshot > tests/contracts/released.json` records a release.
"""

from __future__ import annotations

import json
from typing import Any

from marshmallow import Schema, fields

from kabinet.contracts.registry import REGISTRY, Registry


def _shape(schema: Schema) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, field in sorted(schema.fields.items()):
        entry: dict[str, Any] = {"type": type(field).__name__, "required": field.required}
        if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
            entry["fields"] = _shape(field.schema)
        out[field.data_key or name] = entry
    return out


def describe(registry: Registry = REGISTRY) -> dict[str, dict[str, Any]]:
    """`{"<Type>.v<n>": {field: {type, required[, fields]}}}` for every registered version."""
    return {f"{s.event_type}.v{s.version}": _shape(s.schema()) for s in registry}


if __name__ == "__main__":
    print(json.dumps(describe(), indent=1, ensure_ascii=False, sort_keys=True))
