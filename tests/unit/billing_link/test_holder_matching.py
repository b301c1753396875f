"""The billing holder is the subscriber when surname, first name and birth date agree."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from unit.billing_link.fakes import DIGEST, person

from billing_link.domain import holder_print, normalize_name, same_holder, same_person


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Пётр", "петр"),
        ("  ФЁДОРОВ  ", "федоров"),
        ("Анна  Мария", "анна мария"),
        ("Римская - Корсакова", "римская-корсакова"),
        ("Салтыков–Щедрин", "салтыков-щедрин"),
        (unicodedata.normalize("NFD", "Йошкин"), "йошкин"),
        (None, ""),
    ],
)
def test_names_are_normalised(raw: str | None, normal: str) -> None:
    assert normalize_name(raw) == normal


def test_the_same_person_written_differently_matches() -> None:
    assert same_person(person(last_name="ИВАНОВ", first_name="Петр "), person())


def test_a_different_birth_date_or_name_does_not_match() -> None:
    assert not same_person(person(birth_date=date(1985, 4, 13)), person())
    assert not same_person(person(first_name="Павел"), person())
    assert not same_person(person(last_name="Иванова"), person())


def test_patronymics_count_only_when_both_sides_have_one() -> None:
    assert same_person(person(middle_name=None), person())
    assert same_person(person(), person(middle_name=" "))
    assert not same_person(person(middle_name="Андреевич"), person())


def test_empty_names_never_match() -> None:
    assert not same_person(person(first_name=""), person(first_name=" "))


PAIRS = [
    (person(last_name="ИВАНОВ", first_name="Петр "), person()),
    (person(birth_date=date(1985, 4, 13)), person()),
    (person(middle_name=None), person()),
    (person(middle_name="Андреевич"), person()),
    (person(first_name=""), person(first_name=" ")),
    (person(last_name="Римская - Корсакова"), person(last_name="римская-корсакова")),
]


@pytest.mark.parametrize(("holder", "subscriber"), PAIRS)
def test_keyed_prints_match_exactly_when_the_names_do(holder, subscriber):
    assert same_holder(holder_print(holder, DIGEST), holder_print(subscriber, DIGEST)) == same_person(
        holder, subscriber
    )


def test_a_print_holds_no_name_or_birth_date():
    text = repr(holder_print(person(), DIGEST)).casefold()
    assert not [v for v in ("иванов", "петр", "пётр", "сергеевич", "1985") if v in text]
