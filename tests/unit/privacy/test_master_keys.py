"""The master keyring: parsed from the setting, the first entry wraps, every entry unwraps."""

from __future__ import annotations

import pytest

from kabinet.privacy.crypto import new_key
from kabinet.privacy.master import DEV_KID, MasterKeyring, UnknownMasterKey


def test_without_a_setting_the_development_key_is_used_and_a_warning_is_logged(caplog):
    ring = MasterKeyring.parse("")
    assert ring.current == DEV_KID
    assert "KABINET_MASTER_KEY is not set" in caplog.text


def test_the_first_entry_wraps_and_every_entry_unwraps():
    old, new = MasterKeyring.entry("m1", new_key()), MasterKeyring.entry("m2", new_key())
    subject_key = new_key()
    kid, wrapped = MasterKeyring.parse(old).wrap(subject_key, label="account:a")
    both = MasterKeyring.parse(f"{new},{old}")
    assert both.current == "m2" and both.unwrap(kid, wrapped, label="account:a") == subject_key
    with pytest.raises(UnknownMasterKey):
        MasterKeyring.parse(new).unwrap(kid, wrapped, label="account:a")


def test_a_malformed_setting_fails_loudly():
    with pytest.raises(ValueError):
        MasterKeyring.parse("m1:c2hvcnQ")
