"""Plain-text rendering of events and tables for the terminal; JSON lines for scripts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from kabinet.consumer import Record
from kabinet.contracts import Envelope
from kabinet.contracts.envelope import rfc3339

SECURITY_FIELDS = ("ip", "user_agent")


def jsonable(value: Any) -> Any:
    """A value `json.dumps` can write (datetimes as RFC 3339, other objects as text)."""
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def event_dict(env: Envelope, record: Record | None = None) -> dict[str, Any]:
    """The envelope as a JSON-able dict, with its Kafka position when known."""
    out: dict[str, Any] = {
        "event_id": env.event_id,
        "event_type": env.event_type,
        "event_version": env.event_version,
        "occurred_at": rfc3339(env.occurred_at),
        "producer": env.producer,
        "stream_id": env.stream_id,
        "stream_version": env.stream_version,
        "correlation_id": env.correlation_id,
        "causation_id": env.causation_id,
        "payload": jsonable(env.payload),
    }
    if record is not None:
        out["position"] = f"{record.topic}:{record.partition}:{record.offset}"
    return out


def security(payload: Mapping[str, Any]) -> dict[str, Any]:
    """`ip` / `user_agent` found anywhere in a payload (the audit's "from where")."""
    found: dict[str, Any] = {}
    for key, value in payload.items():
        if key in SECURITY_FIELDS and value:
            found.setdefault(key, value)
        elif isinstance(value, Mapping):
            for k, v in security(value).items():
                found.setdefault(k, v)
    return found


def event_block(env: Envelope, record: Record | None = None, *, payload: bool = True) -> str:
    """A readable block: a header line, then the payload as indented JSON."""
    where = f"  [{record.topic}:{record.partition}:{record.offset}]" if record is not None else ""
    head = (
        f"{rfc3339(env.occurred_at)}  {env.event_type} v{env.event_version}  "
        f"{env.stream_id}@{env.stream_version}  by {env.producer}  corr={env.correlation_id}{where}"
    )
    if not payload:
        return head
    body = json.dumps(jsonable(env.payload), indent=2, ensure_ascii=False, sort_keys=True)
    return head + "\n" + "\n".join("    " + line for line in body.splitlines())


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, widths: Mapping[str, int]) -> str:
    """Rows as aligned columns; cells longer than their width are cut with '…'."""

    def cell(value: Any, column: str) -> str:
        text = "" if value is None else str(value).replace("\n", " ")
        limit = widths.get(column, 40)
        return text if len(text) <= limit else text[: limit - 1] + "…"

    cells = [[cell(r.get(c), c) for c in columns] for r in rows]
    sizes = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(sizes[i]) for i, c in enumerate(columns)).rstrip()]
    lines += ["  ".join(v.ljust(sizes[i]) for i, v in enumerate(row)).rstrip() for row in cells]
    return "\n".join(lines)


def json_lines(items: Iterable[Mapping[str, Any]]) -> str:
    """One JSON document per line."""
    return "\n".join(json.dumps(jsonable(i), ensure_ascii=False, sort_keys=True) for i in items)
