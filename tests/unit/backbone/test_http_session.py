"""Outgoing HTTP clients read the environment's proxies once, not on every request."""

from __future__ import annotations

import urllib3

from kabinet.http import pool, session


def test_the_environment_proxy_is_resolved_when_the_session_is_made(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    s = session("https://sms.example.net/send")
    assert s.trust_env is False  # no per-request scan of the environment (nor of ~/.netrc)
    assert s.proxies["https"] == "http://proxy.internal:3128"


def test_an_address_the_environment_exempts_gets_no_proxy(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert session("http://127.0.0.1:8002").proxies == {}


def test_a_pool_goes_through_the_proxy_the_environment_names(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    p = pool("https://sms.example.net/send")
    assert isinstance(p, urllib3.ProxyManager) and (p.proxy.host, p.proxy.port) == ("proxy.internal", 3128)


def test_a_pool_to_an_address_the_environment_exempts_goes_direct(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert not isinstance(pool("http://127.0.0.1:8025/api/sms"), urllib3.ProxyManager)
