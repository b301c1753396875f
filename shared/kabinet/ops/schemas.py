"""JSON Schema (draft 2020-12) of every event version, from the contract registry.

`python -m kabinet.ops schemas DIR` writes `DIR/<EventType>.v<n>.json` (the envelope with
that version's payload) and `DIR/index.json`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kabinet.contracts.asyncapi import json_schema
from kabinet.contracts.envelope import EnvelopeSchema
from kabinet.contracts.registry import REGISTRY, EventSpec, Registry

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def event_schema(spec: EventSpec) -> dict[str, Any]:
    """The whole message of one event version: the envelope with its payload schema."""
    envelope = json_schema(EnvelopeSchema())
    envelope["properties"]["event_type"] = {"const": spec.event_type}
    envelope["properties"]["event_version"] = {"const": spec.version}
    envelope["properties"]["payload"] = json_schema(spec.schema())
    return {
        "$schema": DRAFT,
        "$id": f"{spec.event_type}.v{spec.version}.json",
        "title": f"{spec.event_type} v{spec.version}",
        "description": (spec.schema.__doc__ or "").strip(),
        "x-topic": spec.topic,
        "x-producer": spec.producer,
        "examples": [_example(spec)],
        **envelope,
    }


def _example(spec: EventSpec) -> dict[str, Any]:
    return {
        "event_id": "0b7c1f2e-8d4a-4e6b-9c3d-5a1f2e3d4c5b",
        "event_type": spec.event_type,
        "event_version": spec.version,
        "occurred_at": "2025-01-31T12:00:00.000Z",
        "producer": spec.producer,
        "stream_id": "account-6f1c2b1e-3f4a-4c0d-9a51-2d7e8b9c0a11",
        "stream_version": 1,
        "correlation_id": "req-5d2c",
        "causation_id": None,
        "payload": dict(spec.example),
    }


def write(directory: Path, registry: Registry = REGISTRY) -> list[Path]:
    """Write one schema file per event version, and an index; the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written, index = [], []
    for spec in registry:
        path = directory / f"{spec.event_type}.v{spec.version}.json"
        path.write_text(json.dumps(event_schema(spec), indent=1, ensure_ascii=False) + "\n")
        written.append(path)
        index.append(
            {"event_type": spec.event_type, "version": spec.version, "topic": spec.topic, "file": path.name}
        )
    (directory / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    return written


def register(sub: Any) -> None:
    """Add `schemas`."""
    p = sub.add_parser("schemas", help="write a JSON Schema per event version into a directory")
    p.add_argument("directory", type=Path)
    p.set_defaults(run=lambda ctx, args: _run(ctx.say, args.directory))


def _run(say: Any, directory: Path) -> int:
    say(f"wrote {len(write(directory))} schema(s) and index.json into {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(_run(print, Path(sys.argv[1] if len(sys.argv) > 1 else "schemas")))
