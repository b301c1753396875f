"""Input rules of the subscriber's data: login, names, birth date (pure, stdlib only)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

LOGIN_MIN, LOGIN_MAX = 3, 32
NAME_MAX = 60
MIN_AGE, MAX_AGE = 14, 120
_LOGIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[._-][A-Za-z0-9]+)*")
_NAME = re.compile(r"[A-Za-zА-Яа-яЁё]+(?:[-' ][A-Za-zА-Яа-яЁё]+)*")


def login_key(login: str) -> str:
    """The case-insensitive identity of a login (what uniqueness is about)."""
    return login.strip().casefold()


def login_problems(login: str) -> list[str]:
    """Why a login is not acceptable (empty when it is)."""
    problems = []
    if not LOGIN_MIN <= len(login) <= LOGIN_MAX:
        problems.append(f"Use {LOGIN_MIN} to {LOGIN_MAX} characters.")
    if not _LOGIN.fullmatch(login):
        problems.append(
            "Use Latin letters and digits, starting with a letter; '.', '_' and '-' may separate parts."
        )
    return problems


def clean_name(raw: str) -> str:
    """A name with its Unicode composed (ё stays one letter) and outer spaces removed."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def name_problems(name: str) -> list[str]:
    """Why a personal name is not acceptable (Cyrillic or Latin letters, hyphens)."""
    if not 1 <= len(name) <= NAME_MAX:
        return [f"Use 1 to {NAME_MAX} characters."]
    if not _NAME.fullmatch(name):
        return ["Use Cyrillic or Latin letters; parts may be joined by a hyphen."]
    if _mixes_scripts(name):
        return ["Do not mix Cyrillic and Latin letters in one name."]
    return []


def _mixes_scripts(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    cyrillic = sum(1 for c in letters if "CYRILLIC" in unicodedata.name(c, ""))
    return 0 < cyrillic < len(letters)


def age_on(birth_date: date, today: date) -> int:
    """Full years lived on `today`."""
    had_birthday = (today.month, today.day) >= (birth_date.month, birth_date.day)
    return today.year - birth_date.year - (0 if had_birthday else 1)


def birth_date_problems(birth_date: date, today: date) -> list[str]:
    """Why a birth date is not acceptable: in the future, younger than 14, implausibly old."""
    if birth_date > today:
        return ["The birth date is in the future."]
    age = age_on(birth_date, today)
    if age < MIN_AGE:
        return [f"You must be at least {MIN_AGE} years old."]
    if age > MAX_AGE:
        return ["Check the year of birth."]
    return []
