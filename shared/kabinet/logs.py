"""JSON logs carrying the correlation id from HTTP request to event headers and on."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_correlation: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)
_causation: contextvars.ContextVar[str | None] = contextvars.ContextVar("causation_id", default=None)


def correlation_id() -> str:
    """The current correlation id, or a fresh one when none is set."""
    return _correlation.get() or str(uuid.uuid4())


def causation_id() -> str | None:
    """The id of the event being handled, if any."""
    return _causation.get()


@contextmanager
def correlated(correlation: str | None, causation: str | None = None) -> Iterator[str]:
    """Run a block with the given correlation (and causation) id set."""
    cid = correlation or str(uuid.uuid4())
    t1 = _correlation.set(cid)
    t2 = _causation.set(causation)
    try:
        yield cid
    finally:
        _correlation.reset(t1)
        _causation.reset(t2)


def set_correlation(correlation: str | None) -> str:
    """Set the correlation id for the rest of this context (one HTTP request)."""
    cid = correlation or str(uuid.uuid4())
    _correlation.set(cid)
    _causation.set(None)
    return cid


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, correlation id, extras."""

    _skip = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as JSON."""
        data: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if cid := _correlation.get():
            data["correlation_id"] = cid
        data.update({k: v for k, v in record.__dict__.items() if k not in self._skip})
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def configure_logging(service: str, level: str = "INFO", json_format: bool = True) -> None:
    """Route the root logger to stderr, as JSON unless told otherwise."""
    handler = logging.StreamHandler(sys.stderr)
    if json_format:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s {service} %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("kafka", "pymongo"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
