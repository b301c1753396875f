"""Password policy (NIST SP 800-63B style) and strength feedback (pure, stdlib only).

Rules reject: fewer than 8 or more than 128 characters, a password on the shipped list of
common/breached ones (also with digits or punctuation tacked on), the login inside the
password, one repeated character or a plain sequence. Composition (cases, digits,
punctuation) is never required: it is only advice in the strength feedback.
"""

from __future__ import annotations

import math
import string
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from identity.domain.errors import PasswordMismatch, WeakPassword

MIN_LENGTH, RECOMMENDED_LENGTH, MAX_LENGTH = 8, 15, 128
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "йцукенгшщзхъ",
)
_TAIL = string.digits + string.punctuation + " "


def normalize(password: str) -> str:
    """The form that is checked and hashed: NFKC, as NIST asks, so equal-looking input matches."""
    return unicodedata.normalize("NFKC", password)


def problems(password: str, *, login: str | None, common: Collection[str]) -> list[str]:
    """Why a password is refused (empty when it is accepted)."""
    pw = normalize(password)
    if len(pw) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters ({RECOMMENDED_LENGTH} or more is better)."]
    if len(pw) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    found = []
    low = pw.casefold()
    core = low.strip(_TAIL)
    if low in common or (len(core) >= 4 and core in common):
        found.append("This password is too common: it appears in lists of leaked passwords.")
    if login and len(login) >= 3 and login.casefold() in low:
        found.append("Do not put your login inside the password.")
    if len(set(low)) <= 2 or _is_sequence(low):
        found.append("Avoid repeated characters and simple sequences.")
    return found


def check(
    password: str,
    confirmation: str,
    *,
    login: str | None,
    common: Collection[str],
    field: str = "password",
) -> str:
    """The normalized password, or `WeakPassword` / `PasswordMismatch` naming the input fields."""
    reasons = problems(password, login=login, common=common)
    if reasons:
        raise WeakPassword(reasons, field=field)
    if normalize(password) != normalize(confirmation):
        raise PasswordMismatch(field=f"{field}_confirmation")
    return normalize(password)


def _is_sequence(low: str) -> bool:
    for seq in _SEQUENCES:
        for run in (seq, seq[::-1]):
            if low in run * 2:
                return True
    return False


@dataclass(frozen=True)
class Strength:
    """Advice on a password: a 0–4 score, a verdict and what would make it stronger."""

    score: int
    verdict: str
    acceptable: bool
    problems: list[str]
    suggestions: list[str]


VERDICTS = ("very weak", "weak", "fair", "strong", "very strong")


def strength(password: str, *, login: str | None, common: Collection[str]) -> Strength:
    """Score a password and give the operator's advice (cases, digits, punctuation) as tips."""
    pw = normalize(password)
    found = problems(pw, login=login, common=common)
    classes = _classes(pw)
    bits = len(pw) * math.log2(max(_alphabet(classes), 2))
    score = 0 if found else min(4, int(bits // 25))
    if not found and len(pw) >= RECOMMENDED_LENGTH:
        score = max(score, 3)
    tips = []
    if len(pw) < RECOMMENDED_LENGTH:
        tips.append(f"Use {RECOMMENDED_LENGTH} or more characters: a few unrelated words work well.")
    if not {"lower", "upper"} <= classes:
        tips.append("Mix upper and lower case letters.")
    if "digit" not in classes:
        tips.append("Add digits.")
    if "other" not in classes:
        tips.append("Add punctuation or other symbols.")
    return Strength(score, VERDICTS[score], not found, found, tips)


def _classes(pw: str) -> set[str]:
    found = set()
    for ch in pw:
        if ch.isdigit():
            found.add("digit")
        elif ch.isalpha():
            found.add("upper" if ch.isupper() else "lower")
            if ord(ch) > 127:
                found.add("non-latin")
        else:
            found.add("other")
    return found


def _alphabet(classes: set[str]) -> int:
    sizes = {"lower": 26, "upper": 26, "digit": 10, "other": 33, "non-latin": 33}
    return sum(sizes[c] for c in classes)
