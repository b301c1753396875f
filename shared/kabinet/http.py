"""Outgoing HTTP: keep-alive clients that read the environment once."""

from __future__ import annotations

import urllib.parse

import requests
import urllib3


def session(url: str) -> requests.Session:
    """A session for calls to `url`, with the proxy the environment names for it resolved now.

    With `trust_env` on, requests reads the proxy variables (a scan of the whole environment)
    and stats `~/.netrc` on every request: ~0.5 ms of CPU per SMS the notifier sent (profiled).
    Here that happens once; a changed environment takes effect at the next start, as every
    other setting does.
    """
    s = requests.Session()
    s.trust_env = False
    s.proxies.update(requests.utils.get_environ_proxies(url))
    return s


def pool(url: str) -> urllib3.PoolManager:
    """A keep-alive urllib3 pool for calls to `url`, through the proxy the environment names for it
    (resolved now, as `session` does).

    For a hot path: the SMS gateway adapter sends through it, at ~0.35 ms less CPU per request
    than a `requests` session (measured: 0.72 against 1.08 ms of client CPU per POST).
    """
    proxy = requests.utils.get_environ_proxies(url).get(urllib.parse.urlsplit(url).scheme)
    return urllib3.ProxyManager(proxy) if proxy else urllib3.PoolManager()
