"""Browser side of the web UI tests: Debian's headless Chromium driven by Playwright, screenshots.

The browser is the system one (`apt-get install chromium chromium-driver`); Playwright never
downloads a browser here. Missing Chromium or Playwright fails the tests loudly — never a skip.
"""

from __future__ import annotations

import os
import random
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from support import wait_for

from kabinet import kafka as kafka_clients
from kabinet.contracts import REGISTRY, encode, new_envelope
from kabinet.contracts.topics import BILLING_FEED

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("KABINET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = ROOT / ".run" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Every visible form control has a label, and nothing is wider than the screen.
_PAGE_CHECK = """() => {
  const unlabelled = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(el => el.offsetParent !== null)
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
    .map(el => el.name || el.id);
  return {unlabelled, overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          lang: document.documentElement.lang};
}"""


def _need_browser() -> Any:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the web UI tests need Debian's browser. "
            "Install it with `apt-get install -y chromium chromium-driver` (or set KABINET_CHROMIUM)."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is missing: `.venv/bin/pip install -r requirements-dev.txt`.")
    return sync_playwright


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless Chromium per test module (system browser, no downloads).

    Module-scoped because each test module imports this fixture (a second session-wide
    Playwright could not start while the first one runs); a launch takes well under a second.
    """
    sync_playwright = _need_browser()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Browser:
    """A fresh browser profile (own cookies and sessionStorage) on the suite's gateway."""

    def __init__(self, chromium: Any, base_url: str, viewport: dict[str, int]) -> None:
        mobile = viewport["width"] < 600
        self.context = chromium.new_context(
            base_url=base_url, viewport=viewport, is_mobile=mobile, has_touch=mobile, locale="ru-RU"
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"script error: {exc}"))
        self.page.on(
            "console",
            lambda msg: (
                self.errors.append(f"console: {msg.text}")
                if msg.type == "error" and "Failed to load resource" not in msg.text
                else None
            ),
        )

    def shot(self, name: str) -> None:
        """Check the page (labels, width, `lang`), then save a full-page screenshot as an artifact."""
        checked = self.page.evaluate(_PAGE_CHECK)
        assert checked["unlabelled"] == [], f"{name}: controls without a label: {checked['unlabelled']}"
        assert checked["overflow"] <= 0, f"{name}: the page is {checked['overflow']}px wider than the screen"
        assert checked["lang"] in ("ru", "en")
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], "the pages reported errors:\n" + "\n".join(self.errors)


def open_browser(chromium: Any, stack: Any, viewport: dict[str, int] = PHONE) -> Browser:
    return Browser(chromium, stack.gateway, viewport)


# ---- data of the suite ----

PASSWORD = "Ласточка-над-Волгой-2026"


def person(**overrides: Any) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    return {
        "login": f"web_{tag}",
        "password": PASSWORD,
        "last_name": "Соколова",
        "first_name": "Анна",
        "middle_name": "Игоревна",
        "birth_date": "1990-03-15",
        "region": "RU-MOW",
        "region_name": "Москва",
        "phone": f"+7916{random.randint(1000000, 9999999)}",
        "email": f"anna.{tag}@example.ru",
        **overrides,
    }


def register_by_api(stack: Any, someone: dict[str, Any], *, confirm_via: str) -> dict[str, Any]:
    """Register `someone` (a `person()`) through the gateway's API; the 201 reply's body."""
    body = {
        **{k: v for k, v in someone.items() if k != "region_name"},
        "password_confirmation": someone["password"],
        "confirm_via": confirm_via,
    }
    resp = requests.post(f"{stack.gateway}/api/v1/registrations", json=body, timeout=30)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def code_in(stack: Any, to: str, *, after: int = 0, timeout: float = 30.0) -> str:
    """The newest 6-digit code sent to `to`, once more than `after` messages arrived."""
    messages = wait_for(
        lambda: (m := stack.messages(to)) and len(m) > after and m, timeout=timeout, what=f"a code to {to}"
    )
    found = re.search(r"\b(\d{6})\b", messages[0]["body"])
    assert found, messages[0]
    return found.group(1)


class BillingFeed:
    """Publishes the operator's billing records, as the billing system does."""

    def __init__(self, stack: Any) -> None:
        self._stack = stack
        self._producer = kafka_clients.producer(stack.env["KAFKA_BOOTSTRAP_SERVERS"], client_id="web-billing")

    def publish(self, event_type: str, payload: dict[str, Any]) -> None:
        env = new_envelope(
            event_type, payload, event_version=1, producer="billing",
            stream_id=payload["account_number"], stream_version=1, correlation_id=str(uuid.uuid4()),
        )  # fmt: skip
        wire = encode(env)
        topic = self._stack.topic_prefix + BILLING_FEED
        self._producer.send(topic, key=wire.key, value=wire.value, headers=wire.headers).get(timeout=10)

    def account(self, of: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        """Publish a billing account held by the person `of` (unless overridden); returns its payload."""
        payload = {
            **REGISTRY.latest("BillingAccountUpserted").example,
            "account_number": str(random.randint(10**11, 10**12 - 1)),
            "region": of["region"],
            "service_type": "internet",
            "identifiers": [],
            "holder": {k: of[k] for k in ("last_name", "first_name", "middle_name", "birth_date")},
            "contract_phone": of["phone"],
            "balance": {"amount": "250.00", "currency": "RUB"},
            **overrides,
        }
        self.publish("BillingAccountUpserted", payload)
        return payload

    def close(self) -> None:
        self._producer.close(timeout=5)
