"""The UI's languages: the current one (cookie, Russian by default) and its message catalogue."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import request

from identity.web.messages import API_RU, MESSAGES

LANGS = ("ru", "en")
DEFAULT = "ru"
COOKIE = "kabinet_lang"


def current() -> str:
    """The language of this request: the `kabinet_lang` cookie when valid, else Russian."""
    lang = request.cookies.get(COOKIE, DEFAULT)
    return lang if lang in LANGS else DEFAULT


SERVER_ONLY = ("help.",)  # long texts the scripts never show


@cache
def messages(lang: str) -> dict[str, str]:
    """Every UI message of one language."""
    index = LANGS.index(lang)
    return {key: pair[index] for key, pair in MESSAGES.items()}


@cache
def catalogue(lang: str) -> dict[str, Any]:
    """What the page scripts get: their messages, plus (Russian only) translations of the API's texts."""
    shown = {k: v for k, v in messages(lang).items() if not k.startswith(SERVER_ONLY)}
    return {**shown, "api": API_RU if lang == "ru" else {}}


def translate(lang: str, key: str, **values: Any) -> str:
    """The message `key` in `lang`, with `{name}` placeholders filled; a missing key is a bug."""
    text = messages(lang)[key]
    return text.format(**values) if values else text
