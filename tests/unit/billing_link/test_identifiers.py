"""Identifiers are normalised per service type and shown masked."""

from __future__ import annotations

import pytest

from billing_link.identifiers import BadIdentifier, mask, normalize_identifier


@pytest.mark.parametrize("raw", ["8 (916) 123-45-67", "+7 916 123 45 67", "79161234567", "+79161234567"])
def test_phone_numbers_in_common_formats_become_e164(raw: str) -> None:
    assert normalize_identifier("mobile", raw) == "+79161234567"


def test_a_home_phone_with_area_code() -> None:
    assert normalize_identifier("home_phone", "8 (495) 123-45-67") == "+74951234567"


@pytest.mark.parametrize("raw", ["12345", "phone", "+7 916 12"])
def test_bad_phone_numbers_are_rejected(raw: str) -> None:
    with pytest.raises(BadIdentifier):
        normalize_identifier("mobile", raw)


def test_account_numbers_are_digits_with_separators_dropped() -> None:
    assert normalize_identifier("internet", "7700 1234-5678") == "770012345678"
    with pytest.raises(BadIdentifier):
        normalize_identifier("tv", "AB1234")
    with pytest.raises(BadIdentifier):
        normalize_identifier("personal_account", "123")


def test_masks_keep_only_the_edges() -> None:
    assert mask("+79161234567") == "+7916*****67"
    assert mask("770012345678") == "7700****5678"
    assert "1234" not in mask("9912345")
