"""The web UI's message catalogue covers every key its templates and scripts ask for, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from identity.web import i18n
from identity.web.messages import API_RU, MESSAGES

WEB = Path(i18n.__file__).parent
STATIC_KEY = re.compile(r"""\bt\(\s*["']([\w. ]+)["']""")


def keys_asked_for() -> set[str]:
    files = [*WEB.glob("templates/web/*.html"), *WEB.glob("static/js/*.js")]
    found = set()
    for path in files:
        text = path.read_text(encoding="utf-8")
        found |= set(STATIC_KEY.findall(text))
        found |= set(re.findall(r"""(?:label|hint)=["']([\w.]+)["']""", text))  # macro arguments
        found |= set(re.findall(r"""m\.\w+\("[\w-]+",\s*"\w+",\s*"([\w.]+)\"""", text))
    return found


def test_every_message_the_pages_ask_for_exists():
    missing = sorted(k for k in keys_asked_for() if k not in MESSAGES and not k.endswith("."))
    assert missing == []


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_message_has_a_text_in_each_language(lang):
    index = i18n.LANGS.index(lang)
    assert all(pair[index].strip() for pair in MESSAGES.values())


def test_placeholders_agree_between_the_languages():
    for key, (ru, en) in MESSAGES.items():
        assert set(re.findall(r"\{(\w+)\}", ru)) == set(re.findall(r"\{(\w+)\}", en)), key


def test_api_texts_are_translated_to_russian_only():
    assert i18n.catalogue("ru")["api"] == API_RU
    assert i18n.catalogue("en")["api"] == {}
