"""The subscriber's web UI at the gateway root: server-rendered pages that call the public API.

Pages are Jinja2 templates (Russian by default, English on request); each page's behaviour
is a small vanilla ES module under `static/js/` that talks to `/api/v1/*` with `fetch`.
Nothing here reads identity's database: the UI is a client of the public API like any other.
"""

from __future__ import annotations

from identity.web.pages import blueprint

__all__ = ["blueprint"]
