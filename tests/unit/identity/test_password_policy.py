"""Password rules (length, common list, login inside) and strength feedback."""

from __future__ import annotations

import pytest

from identity.bootstrap import common_passwords
from identity.domain import PasswordMismatch, WeakPassword, passwords

COMMON = common_passwords()


def problems(password: str, login: str | None = "ivanov.petr") -> list[str]:
    return passwords.problems(password, login=login, common=COMMON)


def test_the_shipped_list_is_about_ten_thousand_lower_case_passwords():
    assert 8_000 <= len(COMMON) <= 20_000
    assert {"password", "qwerty123", "12345678", "iloveyou"} <= COMMON


@pytest.mark.parametrize("password", ["short", "1234567"])
def test_fewer_than_eight_characters_are_refused(password):
    assert "at least 8" in problems(password)[0]


def test_more_than_128_characters_are_refused_and_128_are_fine():
    assert "at most 128" in problems("Ж" * 129)[0]
    assert problems("кот и пёс гуляют по мосту " * 4 + "x" * 24) == []


@pytest.mark.parametrize("password", ["Password", "QWERTY123", "dragon2024!", "iloveyou!!", "Passw0rd1"])
def test_common_passwords_are_refused_whatever_their_case_or_tail(password):
    assert any("too common" in p for p in problems(password))


def test_the_login_inside_the_password_is_refused():
    assert any("login" in p for p in problems("my-IVANOV.PETR-secret"))


@pytest.mark.parametrize("password", ["aaaaaaaaaa", "abababab", "abcdefghij", "9876543210"])
def test_repetitions_and_sequences_are_refused(password):
    assert problems(password, login=None)


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "Жили-были дед да баба", "☃ snowman in july ☀", "zq8 Lk!mv"]
)
def test_any_unicode_of_a_sane_length_is_accepted_without_composition_rules(password):
    assert problems(password) == []


def test_check_names_the_fields_that_are_wrong():
    with pytest.raises(WeakPassword) as weak:
        passwords.check("qwerty123", "qwerty123", login=None, common=COMMON, field="new_password")
    assert weak.value.field == "new_password"
    with pytest.raises(PasswordMismatch) as mismatch:
        passwords.check("long enough phrase", "long enough phrasE", login=None, common=COMMON)
    assert mismatch.value.field == "password_confirmation"


def test_compatible_unicode_forms_are_one_password():
    assert passwords.normalize("ｐａｓｓ ｗｏｒｄ ｆｕｌｌ") == "pass word full"


def test_strength_feedback_gives_the_operators_advice_without_refusing():
    weak = passwords.strength("lowercase words", login=None, common=COMMON)
    assert weak.acceptable and weak.score >= 2
    assert "Add digits." in weak.suggestions and "Mix upper and lower case letters." in weak.suggestions
    strong = passwords.strength("Tr0ub4dor & 3 horses!", login=None, common=COMMON)
    assert strong.score >= 3 and strong.suggestions == []
    refused = passwords.strength("password1", login=None, common=COMMON)
    assert not refused.acceptable and refused.score == 0 and refused.verdict == "very weak"
