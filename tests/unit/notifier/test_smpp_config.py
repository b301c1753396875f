"""How an `smpp://` gateway URL names the SMSC, the bind and the sender."""

from __future__ import annotations

import pytest

from notifier.smpp_gateway import DEFAULT_PORT, SmppConfig, _address


def test_the_url_names_host_port_bind_and_sender():
    c = SmppConfig.from_url(
        "smpp://kab%40net:p%2Fss@smsc.example:3000?source=Kabinet&system_type=VMA&timeout=2.5"
    )
    assert (c.host, c.port, c.system_id, c.password) == ("smsc.example", 3000, "kab@net", "p/ss")
    assert (c.system_type, c.source, c.timeout) == ("VMA", "Kabinet", 2.5)


def test_the_port_defaults_to_smpps_own_and_two_binds():
    c = SmppConfig.from_url("smpp://id@127.0.0.1")
    assert (c.port, c.binds) == (DEFAULT_PORT, 2) and DEFAULT_PORT == 2775
    assert SmppConfig.from_url("smpp://id@127.0.0.1?binds=4").binds == 4


@pytest.mark.parametrize("url", ["http://127.0.0.1:2775", "smpp://", "smpp:///nohost"])
def test_anything_but_an_smpp_url_with_a_host_is_refused(url):
    with pytest.raises(ValueError):
        SmppConfig.from_url(url)


def test_the_sender_is_alphanumeric_international_or_plain_digits():
    assert _address("Kabinet") == (5, 0, "Kabinet")
    assert _address("+79001234567") == (1, 1, "79001234567")
    assert _address("7242") == (0, 1, "7242")


def test_smpps_asks_for_tls_checked_against_the_given_cas():
    c = SmppConfig.from_url("smpps://id:pw@smsc.example?cafile=/etc/kabinet/smsc-ca.pem")
    assert (c.tls, c.cafile, c.port) == (True, "/etc/kabinet/smsc-ca.pem", DEFAULT_PORT)
    assert SmppConfig.from_url("smpp://id@smsc.example").tls_context() is None
