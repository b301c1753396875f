"""The one factory of virtual subscribers' registration bodies (e2e, fault, fuzz and bench suites)."""

from __future__ import annotations

import random
import uuid
from typing import Any

PASSWORD = "Ласточка-над-Волгой-2026"


def phone() -> str:
    """A fresh Moscow mobile number (E.164)."""
    return f"+7916{random.randint(1000000, 9999999)}"


def email() -> str:
    """A fresh email address."""
    return f"anna.{uuid.uuid4().hex[:10]}@example.ru"


def subscriber(login_prefix: str = "user", **overrides: Any) -> dict[str, Any]:
    """A registration body of a new person (fresh login, phone and email), with `overrides`."""
    return {
        "login": f"{login_prefix}_{uuid.uuid4().hex[:10]}",
        "password": PASSWORD,
        "password_confirmation": PASSWORD,
        "last_name": "Соколова",
        "first_name": "Анна",
        "middle_name": "Игоревна",
        "birth_date": "1990-03-15",
        "region": "RU-MOW",
        "phone": phone(),
        "email": email(),
        "confirm_via": "sms",
        **overrides,
    }
