"""An email policy whose non-ASCII Subject survives folding.

CPython's modern folder (`email.policy.default`, 3.11 at least) splits a long non-ASCII
subject into RFC 2047 encoded-words at a space and drops that space: readers join adjacent
encoded-words without the whitespace between them, so "Kabinet: вход приостановлен после …"
arrives as "…приостановленпосле …". The legacy `email.header.Header` encoder keeps every
space inside an encoded-word (each ≤ 75 characters, lines ≤ 78), so the subject reads back
exactly; every other header is folded as before.
"""

from __future__ import annotations

from email.header import Header
from email.policy import EmailPolicy
from typing import Any


class SubjectSafePolicy(EmailPolicy):
    """`email.policy.default`, except a non-ASCII Subject is encoded by `Header`."""

    def fold(self, name: str, value: Any) -> str:
        """The header as it goes on the wire, line ending included."""
        if name.lower() == "subject" and not str(value).isascii():
            encoded = Header(str(value), "utf-8", header_name=name).encode(linesep=self.linesep)
            return f"{name}: {encoded}{self.linesep}"
        return str(super().fold(name, value))

    def fold_binary(self, name: str, value: Any) -> bytes:
        """The same, as bytes (what `smtplib.send_message` writes)."""
        if name.lower() == "subject" and not str(value).isascii():
            return self.fold(name, value).encode("ascii")
        return bytes(super().fold_binary(name, value))


MAIL_POLICY = SubjectSafePolicy()
