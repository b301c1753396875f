"""Login, name and birth-date rules."""

from __future__ import annotations

from datetime import date

import pytest

from identity.domain.rules import (
    age_on,
    birth_date_problems,
    clean_name,
    login_key,
    login_problems,
    name_problems,
)


@pytest.mark.parametrize("login", ["ivanov.petr", "Petr_1985", "a-b-c", "abc"])
def test_good_logins(login):
    assert login_problems(login) == []


@pytest.mark.parametrize(
    "login", ["ab", "1petr", "petr.", "pe..tr", "пётр", "petr ivanov", "x" * 33, "petr@mail"]
)
def test_bad_logins(login):
    assert login_problems(login)


def test_logins_are_unique_whatever_their_case():
    assert login_key("Ivanov.Petr") == login_key("ivanov.PETR")


@pytest.mark.parametrize("name", ["Иванов", "Салтыков-Щедрин", "O'Brien", "Smith-Jones", "Пётр"])
def test_good_names(name):
    assert name_problems(clean_name(name)) == []


@pytest.mark.parametrize("name", ["Ivan0v", "Иван-", "Ivanов", "", "-Ан", "Ли_Мин"])
def test_bad_names(name):
    assert name_problems(clean_name(name))


def test_a_decomposed_yo_becomes_one_letter():
    assert clean_name("Пе\u0308тр") == "Пётр"


TODAY = date(2026, 11, 24)


def test_age_counts_full_years():
    assert age_on(date(2012, 11, 24), TODAY) == 14
    assert age_on(date(2012, 11, 25), TODAY) == 13


def test_birth_date_must_be_past_and_at_least_fourteen_years_ago():
    assert birth_date_problems(date(2012, 11, 24), TODAY) == []
    assert "at least 14" in birth_date_problems(date(2012, 11, 25), TODAY)[0]
    assert "future" in birth_date_problems(date(2027, 1, 1), TODAY)[0]
    assert birth_date_problems(date(1890, 1, 1), TODAY)
