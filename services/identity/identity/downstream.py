"""Internal HTTP to verification and billing-link (docs/internal-api.md): one `requests.Session`
per app, short timeouts, replies passed through; a service that is down is a 503 problem."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

log = logging.getLogger(__name__)
PASSED_HEADERS = ("Retry-After",)


class DownstreamUnavailable(Exception):
    """The internal service did not answer, or answered with a server error."""

    def __init__(self, service: str, retry_after: int = 5) -> None:
        super().__init__(f"The {service} service is unavailable; try again shortly.")
        self.service = service
        self.retry_after = retry_after  # the service's own `Retry-After` when it sent one


class DownstreamProblem(Exception):
    """An internal service refused (4xx); its status, problem body and Retry-After pass through."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(f"downstream replied {reply.status}")
        self.reply = reply


@dataclass(frozen=True)
class Reply:
    """A downstream answer: status, JSON body (or None) and the headers worth passing on."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    @property
    def ok(self) -> bool:
        """2xx."""
        return 200 <= self.status < 300


class Downstream:
    """JSON calls to one internal service."""

    def __init__(self, name: str, base_url: str, session: requests.Session, *, timeout: float) -> None:
        self.name = name
        self._base = base_url.rstrip("/")
        self._session = session
        self._timeout = timeout

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> Reply:
        """Send one request; `DownstreamUnavailable` when it fails at the transport or with 5xx."""
        headers = {"X-Correlation-ID": correlation_id} if correlation_id else {}
        for attempt in (1, 2):
            try:
                resp = self._session.request(
                    method,
                    self._base + path,
                    json=json,
                    params=params,
                    headers=headers,
                    timeout=self._timeout,
                )
                break
            except requests.ConnectionError as exc:
                # Almost always a pooled keep-alive connection the server closed while idle, before
                # reading the request: one retry on a fresh connection (internal commands are
                # idempotent or bounded: add-service is idempotent, resend and codes are limited).
                if attempt == 1 and _dropped(exc):
                    continue
                log.warning("downstream unreachable", extra={"service": self.name, "error": str(exc)[:300]})
                raise DownstreamUnavailable(self.name) from exc
            except requests.RequestException as exc:
                log.warning("downstream unreachable", extra={"service": self.name, "error": str(exc)[:300]})
                raise DownstreamUnavailable(self.name) from exc
        if resp.status_code >= 500:
            log.warning("downstream error", extra={"service": self.name, "status": resp.status_code})
            raise DownstreamUnavailable(self.name, _seconds(resp.headers.get("Retry-After")))
        try:
            body = resp.json() if resp.content else None
        except ValueError:
            body = None
        passed = {h: resp.headers[h] for h in PASSED_HEADERS if h in resp.headers}
        ctype = resp.headers.get("Content-Type", "application/json").split(";")[0]
        return Reply(resp.status_code, body, passed, ctype)


def _dropped(exc: requests.ConnectionError) -> bool:
    """Whether the connection was closed under the request (not refused, not timed out)."""
    text = repr(exc)
    return "RemoteDisconnected" in text or "Connection reset" in text or "Connection aborted" in text


def _seconds(header: str | None, default: int = 5) -> int:
    """A `Retry-After` in seconds (an HTTP date or garbage counts as the default)."""
    return int(header) if header and header.isdigit() else default
