"""One example payload per released contract: documentation and contract-test input."""

from __future__ import annotations

from typing import Any

_ACC = "6f1c2b1e-3f4a-4c0d-9a51-2d7e8b9c0a11"
_REQ = "0b8f5c8e-1d2a-4e7f-8c3b-5a6d7e8f9012"
_CH = "9a7b6c5d-4e3f-4a1b-8c2d-1e0f9a8b7c6d"
_LINK = "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a"
_NOTE = "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
_MONEY = {"amount": "412.50", "currency": "RUB"}

EXAMPLES: dict[tuple[str, int], dict[str, Any]] = {
    ("UserRegistered", 1): {
        "account_id": _ACC,
        "login": "ivanov.petr",
        "last_name": "Иванов",
        "first_name": "Пётр",
        "middle_name": "Сергеевич",
        "birth_date": "1985-04-12",
        "region": "RU-MOW",
        "phone": "+79161234567",
        "email": "petr@example.ru",
        "confirm_via": "sms",
        "locale": "ru",
    },
    ("ContactChangeRequested", 1): {
        "account_id": _ACC,
        "request_id": _REQ,
        "kind": "email",
        "value": "new@example.ru",
        "previous_value": "petr@example.ru",
        "confirm_via": "email",
        "locale": "ru",
    },
    ("PasswordChanged", 1): {"account_id": _ACC, "reason": "change"},
    ("PasswordResetRequested", 1): {
        "account_id": _ACC,
        "request_id": _REQ,
        "channel": "sms",
        "destination": "+79161234567",
        "locale": "ru",
    },
    ("ContactUsedAgain", 1): {
        "account_id": _ACC,
        "channel": "email",
        "destination": "petr@example.ru",
        "locale": "ru",
    },
    ("VerificationRequested", 1): {
        "challenge_id": _CH,
        "account_id": _ACC,
        "purpose": "registration",
        "request_id": None,
        "channel": "sms",
        "destination": "+79161234567",
        "code": "402913",
        "link_token": None,
        "expires_at": "2026-11-24T12:10:00+00:00",
        "locale": "ru",
    },
    ("ContactConfirmed", 1): {
        "challenge_id": _CH,
        "account_id": _ACC,
        "purpose": "registration",
        "request_id": None,
        "channel": "sms",
        "destination": "+79161234567",
    },
    ("VerificationFailed", 1): {
        "challenge_id": _CH,
        "account_id": _ACC,
        "purpose": "registration",
        "request_id": None,
        "channel": "sms",
        "reason": "attempts_exhausted",
    },
    ("ServiceLinkRequested", 1): {
        "link_id": _LINK,
        "account_id": _ACC,
        "region": "RU-MOW",
        "service_type": "internet",
        "identifier": "770012345678",
        "proof_destination": "+79161234567",
        "locale": "ru",
    },
    ("ServiceAdded", 1): {
        "link_id": _LINK,
        "account_id": _ACC,
        "region": "RU-MOW",
        "service_type": "internet",
        "identifier": "770012345678",
        "account_number": "770012345678",
        "linked_via": "code",
    },
    ("ServiceRemoved", 1): {"link_id": _LINK, "account_id": _ACC, "reason": "unlinked"},
    ("NotificationSent", 1): {
        "notification_id": _NOTE,
        "cause_event_id": _CH,
        "account_id": _ACC,
        "channel": "sms",
        "template": "verification_code",
        "to_masked": "+7916*****67",
    },
    ("NotificationFailed", 1): {
        "notification_id": _NOTE,
        "cause_event_id": _CH,
        "account_id": _ACC,
        "channel": "email",
        "template": "verification_code",
        "error": "SMTP 550 mailbox unavailable",
        "attempts": 5,
    },
    ("BillingAccountUpserted", 1): {
        "account_number": "770012345678",
        "region": "RU-MOW",
        "service_type": "internet",
        "identifiers": [],
        "holder": {
            "last_name": "Иванов",
            "first_name": "Пётр",
            "middle_name": "Сергеевич",
            "birth_date": "1985-04-12",
        },
        "contract_phone": "+79161234567",
        "balance": _MONEY,
        "status": "active",
        "plan": "Домашний 500",
        "options": [{"code": "tv-basic", "name": "ТВ Базовый", "status": "on"}],
    },
    ("BalanceChanged", 1): {"account_number": "770012345678", "balance": _MONEY, "reason": "payment"},
    ("AccountStatusChanged", 1): {"account_number": "770012345678", "status": "suspended"},
    ("NumberReleased", 1): {"phone": "+79161234567", "account_number": "770012345678"},
}
