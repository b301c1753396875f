"""Password hashing (bcrypt behind a pre-hash and a concurrency cap) and signed access tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import bcrypt
import jwt

from identity.domain.passwords import normalize

log = logging.getLogger(__name__)
T = TypeVar("T")


class PasswordHasher:
    """bcrypt over base64(HMAC-SHA256(password)): any length, no silent truncation at 72 bytes.

    Hashes run on `concurrency` hashing threads of the process (0: one per core), so a flood
    of sign-ins queues for them while the worker's other threads keep serving reads (bcrypt
    releases the GIL while it works). One per core, not one per worker: gunicorn's workers
    do not share connections evenly (a benchmark saw one worker take two thirds of the
    sign-ins), and a worker capped below the machine's cores leaves cores idle while its
    queue waits. The hashing threads run `nice` steps
    below the rest (Linux schedules threads by their own nice value): with logins saturating
    the CPU, a read is scheduled ahead of a hash instead of waiting for a core behind it; a
    CPU with time to spare still goes to hashing.
    """

    def __init__(self, *, rounds: int, key: str, concurrency: int = 0, nice: int = 0) -> None:
        self._rounds = rounds
        self._key = key.encode()
        self._workers = concurrency if concurrency > 0 else (os.cpu_count() or 1)
        self._nice = nice
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        self._pool_lock = threading.Lock()
        self._dummy: bytes | None = None
        self._dummy_lock = threading.Lock()

    def _run(self, work: Callable[[], T]) -> T:
        """`work` on a hashing thread (made after a fork: gunicorn workers get their own)."""
        with self._pool_lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self._pool = ThreadPoolExecutor(
                    self._workers, thread_name_prefix="bcrypt", initializer=self._lower_priority
                )
                self._pool_pid = os.getpid()
            pool = self._pool
        return pool.submit(work).result()

    def _lower_priority(self) -> None:
        if self._nice <= 0:
            return
        try:
            me = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + self._nice))
        except OSError as exc:  # not Linux, or not allowed: hashes run at the normal priority
            log.warning("hashing threads keep the normal priority: %s", exc)

    def _prehash(self, password: str) -> bytes:
        digest = hmac.new(self._key, normalize(password).encode("utf-8"), hashlib.sha256).digest()
        return base64.b64encode(digest)  # 44 ASCII bytes: under bcrypt's 72, and no NUL bytes

    def hash(self, password: str) -> str:
        """A new bcrypt hash of `password`."""
        material = self._prehash(password)
        return self._run(lambda: bcrypt.hashpw(material, bcrypt.gensalt(self._rounds)).decode())

    def verify(self, password: str, hashed: str | None) -> bool:
        """Whether `password` matches; with no hash, burn the same time on a dummy and say no."""
        material = self._prehash(password)
        target = hashed.encode() if hashed else self._dummy_hash()
        ok = self._run(lambda: bcrypt.checkpw(material, target))
        return ok and hashed is not None

    def burn(self) -> None:
        """Spend one verification's time (equalizes replies that must not reveal an account)."""
        self.verify("dummy-password", None)

    def _dummy_hash(self) -> bytes:
        with self._dummy_lock:
            if self._dummy is None:
                self._dummy = bcrypt.hashpw(b"kabinet-dummy", bcrypt.gensalt(self._rounds))
            return self._dummy


class TokenInvalid(Exception):
    """The access token is missing, malformed, expired or badly signed."""


@dataclass(frozen=True)
class AccessClaims:
    """What a valid access token says."""

    account_id: str
    session_id: str


class AccessTokens:
    """Short-lived HS256 JWTs naming the account (`sub`) and the session (`sid`).

    A token's signature is checked once per process: the claims of the last `remembered`
    valid tokens are kept with their expiry, which is checked on every use (a client repeats
    its token on every request until it expires; the session's liveness is the caller's check).
    """

    ISSUER = "kabinet-identity"

    def __init__(self, *, secret: str, ttl_seconds: int, remembered: int = 4096) -> None:
        self._secret = secret
        self.ttl = ttl_seconds
        self._valid: OrderedDict[str, tuple[int, AccessClaims]] = OrderedDict()
        self._remembered = remembered
        self._lock = threading.Lock()

    def issue(self, account_id: str, session_id: str) -> str:
        """A signed token valid for `ttl` seconds."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.ISSUER,
            "sub": account_id,
            "sid": session_id,
            "iat": now,
            "exp": now + self.ttl,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def decode(self, token: str) -> AccessClaims:
        """The claims of a valid token, or `TokenInvalid`."""
        with self._lock:
            known = self._valid.get(token)
        if known is not None:
            if time.time() < known[0]:
                return known[1]
            raise TokenInvalid("Signature has expired")
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                issuer=self.ISSUER,
                options={"require": ["exp", "iat", "sub", "sid"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenInvalid(str(exc)) from exc
        valid = AccessClaims(account_id=str(claims["sub"]), session_id=str(claims["sid"]))
        with self._lock:
            self._valid[token] = (int(claims["exp"]), valid)
            while len(self._valid) > self._remembered:
                self._valid.popitem(last=False)
        return valid
