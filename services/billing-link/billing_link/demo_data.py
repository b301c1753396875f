"""The demo billing dataset: documented accounts a tester can link, plus generated filler."""

from __future__ import annotations

import random
from typing import Any

Account = dict[str, Any]


def _holder(last: str, first: str, middle: str | None, born: str) -> dict[str, Any]:
    return {"last_name": last, "first_name": first, "middle_name": middle, "birth_date": born}


def _account(
    number: str, region: str, service_type: str, holder: dict[str, Any], contract_phone: str, **extra: Any
) -> Account:
    return {
        "account_number": number,
        "region": region,
        "service_type": service_type,
        "identifiers": extra.pop("identifiers", []),
        "holder": holder,
        "contract_phone": contract_phone,
        "balance": {"amount": extra.pop("amount", "350.00"), "currency": "RUB"},
        "status": extra.pop("status", "active"),
        "plan": extra.pop("plan", "Базовый"),
        "options": extra.pop("options", []),
    }


IVANOV = _holder("Иванов", "Пётр", "Сергеевич", "1985-04-12")
SMIRNOVA = _holder("Смирнова", "Анна", "Викторовна", "1990-09-30")
KUZNETSOV = _holder("Кузнецов", "Алексей", "Игоревич", "1978-01-15")
FEDOROVA = _holder("Фёдорова", "Ольга", "Николаевна", "1995-06-05")
POPOV = _holder("Попов", "Дмитрий", None, "1988-11-11")
TV_OPTIONS = [{"code": "tv-kids", "name": "Детский пакет", "status": "on"}]
NET_OPTIONS = [{"code": "static-ip", "name": "Статический IP", "status": "on"}]

# Documented in DEMO.md: keep both in step (`python -m billing_link.demo --markdown`).
DOCUMENTED: list[tuple[Account, str]] = [
    (_account("100000000001", "RU-MOW", "mobile", IVANOV, "+79161000001", identifiers=["+79161000001"],
              amount="412.50", plan="Безлимит М"),
     "holder match once the phone +79161000001 is confirmed"),
    (_account("770010000001", "RU-MOW", "internet", IVANOV, "+79161000001", plan="Домашний 500",
              options=NET_OPTIONS),
     "holder match for Иванов Пётр; anyone else: code to +79161000001"),
    (_account("780020000002", "RU-SPE", "tv", SMIRNOVA, "+79212000002", amount="89.90", plan="ТВ Оптимальный",
              options=TV_OPTIONS),
     "holder match for Смирнова Анна"),
    (_account("780020000012", "RU-SPE", "home_phone", SMIRNOVA, "+79212000002", identifiers=["+78122000002"],
              plan="Городской безлимит"),
     "home phone +7 812 200-00-02, holder match for Смирнова Анна"),
    (_account("540030000003", "RU-NVS", "personal_account", KUZNETSOV, "+79133000003", amount="1200.00",
              plan="Единый счёт"),
     "personal account, holder match for Кузнецов Алексей"),
    (_account("160040000004", "RU-TA", "internet", FEDOROVA, "+79174000004", plan="Домашний 200"),
     "register as «Федорова» (е): ё/е and case are normalised"),
    (_account("230050000005", "RU-KDA", "mobile", POPOV, "+79185000005", identifiers=["+79185000005"],
              amount="-35.20", status="suspended", plan="Безлимит S"),
     "suspended, negative balance"),
    (_account("770060000006", "RU-MOW", "internet", POPOV, "+79185000005", status="terminated",
              amount="0.00"),
     "terminated: always the uniform pending reply, no code"),
]  # fmt: skip

_REGIONS = {
    "RU-MOW": ("495", "77"), "RU-SPE": ("812", "78"), "RU-NVS": ("383", "54"), "RU-SVE": ("343", "66"),
    "RU-TA": ("843", "16"), "RU-KDA": ("861", "23"), "RU-NIZ": ("831", "52"), "RU-SAM": ("846", "63"),
}  # fmt: skip
_LAST = ["Соколов", "Морозов", "Волков", "Лебедев", "Козлов", "Новиков", "Егоров", "Павлов", "Семёнов"]
_FIRST = ["Иван", "Сергей", "Андрей", "Михаил", "Никита", "Артём", "Максим", "Роман", "Илья"]
_TYPES = ["mobile", "home_phone", "internet", "tv", "personal_account"]


def generated(count: int = 24, seed: int = 2026) -> list[Account]:
    """Filler accounts across regions and types; the same every run."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        region = list(_REGIONS)[i % len(_REGIONS)]
        area, prefix = _REGIONS[region]
        kind = _TYPES[i % len(_TYPES)]
        holder = _holder(
            rng.choice(_LAST),
            rng.choice(_FIRST),
            None,
            f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{i % 10}",
        )
        phone = f"+7926{3000000 + i:07d}"
        ids = {"mobile": [f"+7925{4000000 + i:07d}"], "home_phone": [f"+7{area}{5000000 + i:07d}"]}.get(
            kind, []
        )
        amount = f"{rng.randint(-50, 2000)}.{rng.randint(0, 99):02d}"
        out.append(_account(f"{prefix}9{i:09d}", region, kind, holder, phone, identifiers=ids, amount=amount))
    return out


def accounts() -> list[Account]:
    """Every demo account, documented ones first."""
    return [acc for acc, _ in DOCUMENTED] + generated()
