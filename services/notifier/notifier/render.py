"""Messages from Jinja2 templates (ru, en): SMS text, or email subject + plain text + HTML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from notifier.domain import Notice, mask

LOCALES = ("ru", "en")
LINK_PATHS = {"password_reset": "/password-recovery"}  # other purposes confirm at /confirm


@dataclass(frozen=True)
class Message:
    """A rendered message ready for a sender."""

    channel: str
    to: str
    subject: str
    text: str
    html: str | None = None


class Renderer:
    """Renders notices; `link_base_url` is the public gateway address used in email links."""

    def __init__(self, link_base_url: str) -> None:
        self._env = Environment(
            loader=PackageLoader("notifier", "templates"),
            undefined=StrictUndefined,
            keep_trailing_newline=False,
        )
        self._base = link_base_url.rstrip("/")

    def render(self, notice: Notice) -> Message:
        """The message of a notice in its locale (Russian when the locale is unknown)."""
        locale = notice.locale if notice.locale in LOCALES else "ru"
        template = self._env.get_template(f"{locale}/{notice.template}.j2")
        ctx = self._context(notice)
        if notice.channel == "sms":
            return Message("sms", notice.to, "", _block(template, "sms", ctx))
        return Message(
            "email",
            notice.to,
            _block(template, "subject", ctx),
            _block(template, "text", ctx) + "\n",
            _block(template, "html", ctx),
        )

    def _context(self, notice: Notice) -> dict[str, Any]:
        ctx: dict[str, Any] = {"reason": None, "locked_until": None, "login": None, **notice.context}
        if notice.template == "verification_code":
            token = ctx.get("link_token")
            path = LINK_PATHS.get(str(ctx.get("purpose")), "/confirm")
            ctx["link"] = f"{self._base}{path}?{urlencode({'token': token})}" if token else None
            ctx["expires_until"] = _hhmm(ctx.get("expires_at"))
        if "identifier" in ctx:
            ident = str(ctx["identifier"])
            ctx["identifier_masked"] = mask("sms", ident) if ident.startswith("+") else "…" + ident[-4:]
        return ctx


def _block(template: Template, name: str, ctx: dict[str, Any]) -> str:
    # top-level `{% set %}`s of the template (e.g. wording tables) are visible in every block
    exported = {k: v for k, v in vars(template.make_module(ctx)).items() if not k.startswith("_")}
    return "".join(template.blocks[name](template.new_context({**ctx, **exported}))).strip()


def _hhmm(value: Any) -> str | None:
    try:
        return datetime.fromisoformat(str(value)).strftime("%H:%M") if value else None
    except ValueError:
        return None
