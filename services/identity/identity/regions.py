"""ISO 3166-2:RU regions (codes from pycountry) with Russian and English names.

pycountry's Russian gettext catalog names only 18 of the 83 subdivisions, so the Russian
names are taken from it where present and from the table below otherwise.
"""

from __future__ import annotations

import gettext
from functools import cache

import pycountry

_RU = {
    "RU-AD": "Республика Адыгея", "RU-AL": "Республика Алтай", "RU-ALT": "Алтайский край",
    "RU-AMU": "Амурская область", "RU-ARK": "Архангельская область", "RU-AST": "Астраханская область",
    "RU-BA": "Республика Башкортостан", "RU-BEL": "Белгородская область", "RU-BRY": "Брянская область",
    "RU-BU": "Республика Бурятия", "RU-CE": "Чеченская Республика", "RU-CHE": "Челябинская область",
    "RU-CHU": "Чукотский автономный округ", "RU-CU": "Чувашская Республика", "RU-DA": "Республика Дагестан",
    "RU-IN": "Республика Ингушетия", "RU-IRK": "Иркутская область", "RU-IVA": "Ивановская область",
    "RU-KAM": "Камчатский край", "RU-KB": "Кабардино-Балкарская Республика",
    "RU-KC": "Карачаево-Черкесская Республика", "RU-KDA": "Краснодарский край",
    "RU-KEM": "Кемеровская область", "RU-KGD": "Калининградская область", "RU-KGN": "Курганская область",
    "RU-KHA": "Хабаровский край", "RU-KHM": "Ханты-Мансийский автономный округ — Югра",
    "RU-KIR": "Кировская область", "RU-KK": "Республика Хакасия", "RU-KL": "Республика Калмыкия",
    "RU-KLU": "Калужская область", "RU-KO": "Республика Коми", "RU-KOS": "Костромская область",
    "RU-KR": "Республика Карелия", "RU-KRS": "Курская область", "RU-KYA": "Красноярский край",
    "RU-LEN": "Ленинградская область", "RU-LIP": "Липецкая область", "RU-MAG": "Магаданская область",
    "RU-ME": "Республика Марий Эл", "RU-MO": "Республика Мордовия", "RU-MOS": "Московская область",
    "RU-MOW": "Москва", "RU-MUR": "Мурманская область", "RU-NEN": "Ненецкий автономный округ",
    "RU-NGR": "Новгородская область", "RU-NIZ": "Нижегородская область", "RU-NVS": "Новосибирская область",
    "RU-OMS": "Омская область", "RU-ORE": "Оренбургская область", "RU-ORL": "Орловская область",
    "RU-PER": "Пермский край", "RU-PNZ": "Пензенская область", "RU-PRI": "Приморский край",
    "RU-PSK": "Псковская область", "RU-ROS": "Ростовская область", "RU-RYA": "Рязанская область",
    "RU-SA": "Республика Саха (Якутия)", "RU-SAK": "Сахалинская область", "RU-SAM": "Самарская область",
    "RU-SAR": "Саратовская область", "RU-SE": "Республика Северная Осетия — Алания",
    "RU-SMO": "Смоленская область", "RU-SPE": "Санкт-Петербург", "RU-STA": "Ставропольский край",
    "RU-SVE": "Свердловская область", "RU-TA": "Республика Татарстан", "RU-TAM": "Тамбовская область",
    "RU-TOM": "Томская область", "RU-TUL": "Тульская область", "RU-TVE": "Тверская область",
    "RU-TY": "Республика Тыва", "RU-TYU": "Тюменская область", "RU-UD": "Удмуртская Республика",
    "RU-ULY": "Ульяновская область", "RU-VGG": "Волгоградская область", "RU-VLA": "Владимирская область",
    "RU-VLG": "Вологодская область", "RU-VOR": "Воронежская область",
    "RU-YAN": "Ямало-Ненецкий автономный округ", "RU-YAR": "Ярославская область",
    "RU-YEV": "Еврейская автономная область", "RU-ZAB": "Забайкальский край",
}  # fmt: skip


@cache
def regions() -> tuple[dict[str, str], ...]:
    """Every region: `{code, name (ru), name_en}`, sorted by Russian name."""
    ru = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["ru"], fallback=True)
    rows = []
    for sub in pycountry.subdivisions.get(country_code="RU") or []:  # type: ignore[no-untyped-call]
        translated = ru.gettext(sub.name)
        name = translated if translated != sub.name else _RU.get(sub.code, sub.name)
        rows.append({"code": sub.code, "name": name, "name_en": sub.name})
    return tuple(sorted(rows, key=lambda r: r["name"]))


@cache
def codes() -> frozenset[str]:
    """The valid region codes."""
    return frozenset(r["code"] for r in regions())


def region_name(code: str) -> str:
    """The Russian name of a region (the code itself if unknown)."""
    return next((r["name"] for r in regions() if r["code"] == code), code)
