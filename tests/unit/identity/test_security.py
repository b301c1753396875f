"""bcrypt behind a pre-hash (no 72-byte truncation), dummy verification, access tokens."""

from __future__ import annotations

import time

import jwt
import pytest

from identity.security import AccessTokens, PasswordHasher, TokenInvalid


@pytest.fixture
def hasher() -> PasswordHasher:
    return PasswordHasher(rounds=4, key="test-key")


def test_a_hash_verifies_its_password_only(hasher):
    hashed = hasher.hash("correct horse battery")
    assert hashed.startswith("$2b$04$")
    assert hasher.verify("correct horse battery", hashed)
    assert not hasher.verify("correct horse batterY", hashed)


def test_passwords_longer_than_72_bytes_are_not_truncated(hasher):
    prefix = "ж" * 40  # 80 bytes in UTF-8
    hashed = hasher.hash(prefix + "one")
    assert hasher.verify(prefix + "one", hashed)
    assert not hasher.verify(prefix + "two", hashed)


def test_compatible_unicode_forms_verify_alike(hasher):
    assert hasher.verify("ｐａｓｓ ｗｏｒｄ ｆｕｌｌ", hasher.hash("pass word full"))


def test_no_hash_means_no_match_after_the_same_work(hasher):
    assert not hasher.verify("anything", None)


def test_access_tokens_carry_account_and_session():
    tokens = AccessTokens(secret="s" * 40, ttl_seconds=60)
    claims = tokens.decode(tokens.issue("acc", "sid"))
    assert (claims.account_id, claims.session_id) == ("acc", "sid")


def test_expired_forged_or_garbled_tokens_are_refused():
    tokens = AccessTokens(secret="s" * 40, ttl_seconds=60)
    expired = jwt.encode(
        {"iss": AccessTokens.ISSUER, "sub": "a", "sid": "s", "iat": 1, "exp": int(time.time()) - 5},
        "s" * 40,
        algorithm="HS256",
    )
    forged = AccessTokens(secret="t" * 40, ttl_seconds=60).issue("acc", "sid")
    for token in (expired, forged, "not-a-jwt"):
        with pytest.raises(TokenInvalid):
            tokens.decode(token)


def test_hashes_run_on_lower_priority_threads_so_reads_are_scheduled_first():
    import os
    import threading

    def nice_of_this_thread() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    seen: list[tuple[str, int]] = []
    base = nice_of_this_thread()
    PasswordHasher(rounds=4, key="k", nice=7)._run(
        lambda: seen.append((threading.current_thread().name, nice_of_this_thread()))
    )
    (name, nice), = seen  # fmt: skip
    assert name.startswith("bcrypt")
    assert nice == min(19, base + 7)
    assert nice_of_this_thread() == base  # the caller keeps its own


def test_a_token_checked_once_is_remembered_until_it_expires(monkeypatch):
    import identity.security as security

    tokens = AccessTokens(secret="s" * 40, ttl_seconds=60)
    token = tokens.issue("acc", "sid")
    assert tokens.decode(token).account_id == "acc"
    monkeypatch.setattr(security.jwt, "decode", lambda *a, **k: pytest.fail("signature checked again"))
    assert tokens.decode(token).session_id == "sid"  # remembered: no second signature check
    later = time.time() + 61
    monkeypatch.setattr(security.time, "time", lambda: later)
    with pytest.raises(TokenInvalid):
        tokens.decode(token)


def _most_at_once(hasher: PasswordHasher, calls: int) -> int:
    """Run `calls` hashing jobs from as many request threads; the most that ran at one time."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    lock, running, most = threading.Lock(), [0], [0]

    def job() -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    with ThreadPoolExecutor(calls) as requests:
        list(requests.map(lambda _: hasher._run(job), range(calls)))
    return most[0]


def test_hashes_at_a_time_are_capped_per_process():
    assert _most_at_once(PasswordHasher(rounds=4, key="k", concurrency=2), calls=6) == 2


def test_the_default_cap_is_one_hash_per_core(monkeypatch):
    import identity.security as security

    monkeypatch.setattr(security.os, "cpu_count", lambda: 3)
    assert _most_at_once(PasswordHasher(rounds=4, key="k"), calls=8) == 3
