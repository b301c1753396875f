"""Production tools of the domain: wall clock, `secrets` codes and tokens, keyed HMAC-SHA256 digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from verification.domain import Tools


def new_code() -> str:
    """Six random digits."""
    return f"{secrets.randbelow(1_000_000):06d}"


def new_token() -> str:
    """An unguessable link token."""
    return secrets.token_urlsafe(24)


def production_tools(key: str) -> Tools:
    """Tools keyed with `key`: codes are short-lived, so a keyed HMAC (not bcrypt) suffices."""
    secret = key.encode()

    def digest(message: str) -> str:
        return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()

    return Tools(
        now=lambda: datetime.now(UTC),
        new_code=new_code,
        new_token=new_token,
        code_digest=lambda challenge_id, code: digest(f"code:{challenge_id}:{code}"),
        link_digest=lambda token: digest(f"link:{token}"),
    )
