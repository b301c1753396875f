"""Settings of the identity service, read once from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kabinet.settings import EnvReader, InfraSettings

PREFIX = "IDENTITY_"
DEV_JWT_SECRET = "kabinet-development-jwt-secret-change-me-in-production"


@dataclass(frozen=True)
class Throttling:
    """Failed sign-ins: free tries per key, then exponential back-off (base·2ⁿ, capped).

    Registrations (each may send an SMS): at most `registrations_per_ip` per client address
    and `registrations_per_contact` per phone and per email in fixed windows.
    """

    login_free: int = 5
    ip_free: int = 20
    base_seconds: float = 1.0
    cap_seconds: float = 900.0
    window_seconds: float = 3600.0
    recovery_per_ip: int = 20
    registrations_per_ip: int = 5
    registrations_ip_window_seconds: float = 600.0
    registrations_per_contact: int = 5
    registrations_contact_window_seconds: float = 3600.0


@dataclass(frozen=True)
class Settings:
    """Everything the identity service reads from its environment."""

    infra: InfraSettings
    bcrypt_rounds: int = 12
    hash_concurrency: int = 0  # hashes per process at a time; 0: one per core of the machine
    hash_nice: int = 10  # hashing threads this many nice steps below the API's other threads
    prehash_key: str = "kabinet-password-prehash-v1"
    jwt_secret: str = DEV_JWT_SECRET
    access_ttl: int = 900
    refresh_ttl: int = 30 * 24 * 3600
    confirmation_ttl: int = 600
    verification_url: str = "http://127.0.0.1:8001"
    billing_link_url: str = "http://127.0.0.1:8002"
    downstream_timeout: float = 3.0
    link_wait_seconds: float = 5.0
    max_body_bytes: int = 64 * 1024
    trust_forwarded_for: bool = False
    docs_cdn: str = "/docs/assets/"
    throttling: Throttling = Throttling()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from `env` (the process environment when omitted), `IDENTITY_` names first."""
        r = EnvReader.for_service(PREFIX, env)
        t = Throttling()
        return cls(
            infra=InfraSettings.read("identity", r),
            bcrypt_rounds=r.integer("BCRYPT_ROUNDS", cls.bcrypt_rounds),
            hash_concurrency=r.integer("HASH_CONCURRENCY", cls.hash_concurrency),
            hash_nice=r.integer("HASH_NICE", cls.hash_nice),
            prehash_key=r.text("PREHASH_KEY", cls.prehash_key),
            jwt_secret=r.text("JWT_SECRET", DEV_JWT_SECRET),
            access_ttl=r.integer("ACCESS_TTL", cls.access_ttl),
            refresh_ttl=r.integer("REFRESH_TTL", cls.refresh_ttl),
            confirmation_ttl=r.integer("CONFIRMATION_TTL", cls.confirmation_ttl),
            verification_url=r.text("VERIFICATION_URL", cls.verification_url).rstrip("/"),
            billing_link_url=r.text("BILLING_LINK_URL", cls.billing_link_url).rstrip("/"),
            downstream_timeout=r.number("DOWNSTREAM_TIMEOUT", cls.downstream_timeout),
            link_wait_seconds=r.number("LINK_WAIT_SECONDS", cls.link_wait_seconds),
            max_body_bytes=r.integer("MAX_BODY_BYTES", cls.max_body_bytes),
            trust_forwarded_for=r.flag("TRUST_FORWARDED_FOR", False),
            docs_cdn=r.text("DOCS_CDN", cls.docs_cdn),
            throttling=Throttling(
                login_free=r.integer("THROTTLE_LOGIN_FREE", t.login_free),
                ip_free=r.integer("THROTTLE_IP_FREE", t.ip_free),
                base_seconds=r.number("THROTTLE_BASE_SECONDS", t.base_seconds),
                cap_seconds=r.number("THROTTLE_CAP_SECONDS", t.cap_seconds),
                window_seconds=r.number("THROTTLE_WINDOW_SECONDS", t.window_seconds),
                recovery_per_ip=r.integer("THROTTLE_RECOVERY_PER_IP", t.recovery_per_ip),
                registrations_per_ip=r.integer("THROTTLE_REGISTRATIONS_PER_IP", t.registrations_per_ip),
                registrations_ip_window_seconds=r.number(
                    "THROTTLE_REGISTRATIONS_IP_WINDOW_SECONDS", t.registrations_ip_window_seconds
                ),
                registrations_per_contact=r.integer(
                    "THROTTLE_REGISTRATIONS_PER_CONTACT", t.registrations_per_contact
                ),
                registrations_contact_window_seconds=r.number(
                    "THROTTLE_REGISTRATIONS_CONTACT_WINDOW_SECONDS", t.registrations_contact_window_seconds
                ),
            ),
        )
