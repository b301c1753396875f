"""Is the billing holder the subscriber? Names compared after normalisation, birth dates equal."""

from __future__ import annotations

import re
import unicodedata

from billing_link.domain.model import Person

_AROUND_HYPHEN = re.compile(r"\s*[-‐‑‒–—]\s*")


def normalize_name(name: str | None) -> str:
    """Case-folded, ё→е, one hyphen form, single spaces, no edge spaces."""
    text = unicodedata.normalize("NFKC", name or "").casefold().replace("ё", "е")
    return " ".join(_AROUND_HYPHEN.sub("-", text).split())


def same_person(holder: Person, subscriber: Person) -> bool:
    """Surname, first name and birth date match; patronymics too when both sides have one."""
    if holder.birth_date != subscriber.birth_date:
        return False
    pairs: list[tuple[str | None, str | None]] = [
        (holder.last_name, subscriber.last_name),
        (holder.first_name, subscriber.first_name),
    ]
    if normalize_name(holder.middle_name) and normalize_name(subscriber.middle_name):
        pairs.append((holder.middle_name, subscriber.middle_name))
    return all(_same_name(a, b) for a, b in pairs)


def _same_name(a: str | None, b: str | None) -> bool:
    first = normalize_name(a)
    return bool(first) and first == normalize_name(b)
