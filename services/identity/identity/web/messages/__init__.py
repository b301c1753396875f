"""The UI's message catalogue: key → (Russian, English), one table per area, so no language can miss
a key; and Russian for the English texts of the public API (`api_ru`)."""

from __future__ import annotations

from identity.web.messages import account, common, services
from identity.web.messages.api_ru import API_RU

MESSAGES: dict[str, tuple[str, str]] = {**common.MESSAGES, **account.MESSAGES, **services.MESSAGES}
if len(MESSAGES) != len(common.MESSAGES) + len(account.MESSAGES) + len(services.MESSAGES):
    raise RuntimeError("a UI message key is defined in two tables")

__all__ = ["API_RU", "MESSAGES"]
