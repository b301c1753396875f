"""AsyncAPI 3.0 document of every event contract, generated from the registry.

`python -m kabinet.contracts.asyncapi > docs/asyncapi.json`
"""

from __future__ import annotations

import json
from typing import Any

from marshmallow import Schema, fields, validate

from kabinet.contracts.registry import REGISTRY, Registry

_TYPES: dict[type[fields.Field[Any]], dict[str, Any]] = {
    fields.UUID: {"type": "string", "format": "uuid"},
    fields.AwareDateTime: {"type": "string", "format": "date-time"},
    fields.DateTime: {"type": "string", "format": "date-time"},
    fields.Date: {"type": "string", "format": "date"},
    fields.Email: {"type": "string", "format": "email"},
    fields.Integer: {"type": "integer"},
    fields.Boolean: {"type": "boolean"},
    fields.Dict: {"type": "object"},
}


def json_schema(schema: Schema) -> dict[str, Any]:
    """JSON Schema of a marshmallow contract (types, required, enums, patterns)."""
    props = {f.data_key or n: _field(f) for n, f in schema.fields.items()}
    required = sorted(f.data_key or n for n, f in schema.fields.items() if f.required)
    return {"type": "object", "properties": props, "required": required}


def _field(field: fields.Field[Any]) -> dict[str, Any]:
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        out = json_schema(field.schema)
    elif isinstance(field, fields.List):
        out = {"type": "array", "items": _field(field.inner)}
    else:
        out = next((dict(v) for t, v in _TYPES.items() if isinstance(field, t)), {"type": "string"})
    for v in field.validators:
        if isinstance(v, validate.OneOf):
            out["enum"] = list(v.choices)
        elif isinstance(v, validate.Regexp):
            out["pattern"] = v.regex.pattern
    if field.metadata.get("pii"):  # on the wire: sealed with the subject's key, or erased
        purpose = "account" if field.metadata["pii"] is True else str(field.metadata["pii"])
        sealed = {"type": "string", "pattern": "^kenc:v1:|^\\[erased\\]$"}
        out = {"oneOf": [out, sealed], "x-personal-data": purpose}
    if field.allow_none:
        out = {"oneOf": [out, {"type": "null"}]}
    return out


def document(registry: Registry = REGISTRY) -> dict[str, Any]:
    """The AsyncAPI document: a channel per topic, a message per event type and version."""
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for spec in registry:
        key = f"{spec.event_type}.v{spec.version}"
        messages[key] = {
            "name": spec.event_type,
            "title": f"{spec.event_type} v{spec.version}",
            "summary": (spec.schema.__doc__ or "").strip(),
            "headers": {"type": "object", "properties": {"event_type": {"const": spec.event_type}}},
            "payload": json_schema(spec.schema()),
            "examples": [{"payload": spec.example}],
            "x-producer": spec.producer,
        }
        channel = channels.setdefault(spec.topic, {"address": spec.topic, "messages": {}})
        channel["messages"][key] = {"$ref": f"#/components/messages/{key}"}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Kabinet events",
            "version": "1",
            "description": "Envelope: event_id, event_type, event_version, occurred_at, producer, "
            "stream_id (= key), stream_version, correlation_id, causation_id, payload.",
        },
        "channels": channels,
        "components": {"messages": messages},
    }


if __name__ == "__main__":
    print(json.dumps(document(), indent=1, ensure_ascii=False))
