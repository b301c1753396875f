"""Is the billing holder the subscriber? Names compared after normalisation, birth dates equal.

The mirror of the billing feed keeps no readable holder: only keyed digests (`Digest`, an
HMAC passed in) of each normalised name and of the birth date, a `HolderPrint`. The
subscriber's side is digested the same way at match time, so the rule compares prints.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from billing_link.domain.model import Person

Digest = Callable[[str], str]
_AROUND_HYPHEN = re.compile(r"\s*[-‐‑‒–—]\s*")


@dataclass(frozen=True)
class HolderPrint:
    """A person as keyed digests: each normalised name (None when empty) and the birth date."""

    last_name: str | None
    first_name: str | None
    middle_name: str | None
    birth_date: str


def normalize_name(name: str | None) -> str:
    """Case-folded, ё→е, one hyphen form, single spaces, no edge spaces."""
    text = unicodedata.normalize("NFKC", name or "").casefold().replace("ё", "е")
    return " ".join(_AROUND_HYPHEN.sub("-", text).split())


def holder_print(person: Person, digest: Digest) -> HolderPrint:
    """The print of a person: what is compared is exactly what `normalize_name` keeps."""

    def name(part: str, value: str | None) -> str | None:
        normal = normalize_name(value)
        return digest(f"{part}:{normal}") if normal else None

    return HolderPrint(
        last_name=name("last", person.last_name),
        first_name=name("first", person.first_name),
        middle_name=name("middle", person.middle_name),
        birth_date=digest(f"born:{person.birth_date.isoformat()}"),
    )


def phone_print(phone: str, digest: Digest) -> str:
    """The print of an E.164 phone number."""
    return digest(f"phone:{phone}")


def same_holder(holder: HolderPrint, subscriber: HolderPrint) -> bool:
    """Surname, first name and birth date match; patronymics too when both sides have one."""
    if holder.birth_date != subscriber.birth_date:
        return False
    pairs = [(holder.last_name, subscriber.last_name), (holder.first_name, subscriber.first_name)]
    if holder.middle_name and subscriber.middle_name:
        pairs.append((holder.middle_name, subscriber.middle_name))
    return all(a is not None and a == b for a, b in pairs)


def same_person(holder: Person, subscriber: Person) -> bool:
    """`same_holder` of two plain persons (the rule without a key)."""
    return same_holder(holder_print(holder, _plain), holder_print(subscriber, _plain))


def _plain(text: str) -> str:
    return text
