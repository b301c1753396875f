"""The profile's lists in the web UI: where the subscriber is signed in (a laptop sees the phone's
session and ends it) and the messages Kabinet sent them.

Browsers with their own storage each, on the e2e suite; screenshots in .run/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from playwright.sync_api import expect
from support import wait_for
from web_support import DESKTOP, PHONE, chromium, code_in, open_browser, person, register_by_api

pytestmark = pytest.mark.e2e
__all__ = ["chromium"]  # the browser fixture


@pytest.fixture
def subscriber(stack) -> dict[str, Any]:
    """Someone registered and confirmed through the API."""
    someone = person()
    created = register_by_api(stack, someone, confirm_via="sms")
    confirm = {
        "account_id": created["account_id"],
        "channel": "sms",
        "code": code_in(stack, someone["phone"]),
    }
    assert requests.post(f"{stack.gateway}/api/v1/confirmations", json=confirm, timeout=30).ok
    return someone


def log_in(ui: Any, me: dict[str, Any]) -> None:
    page = ui.page
    page.goto("/login")
    page.get_by_label("Логин", exact=True).fill(me["login"])
    page.get_by_label("Пароль", exact=True).fill(me["password"])
    page.get_by_label("Пароль", exact=True).press("Enter")
    expect(page.get_by_role("heading", name="Мои услуги")).to_be_visible()


def test_a_laptop_sees_the_phones_session_and_signs_it_out(chromium, stack, subscriber):
    laptop, phone = open_browser(chromium, stack, DESKTOP), open_browser(chromium, stack, PHONE)
    try:
        log_in(phone, subscriber)
        log_in(laptop, subscriber)
        page = laptop.page
        page.get_by_role("link", name="Профиль").click()
        sessions = page.locator("#sessions li")
        expect(sessions).to_have_count(2)
        expect(sessions.first.locator(".badge.current")).to_have_text("это устройство")  # most recent first
        expect(sessions.nth(1)).to_contain_text("IP 127.0.0.1")
        laptop.shot("30-profile-sessions")

        sessions.nth(1).get_by_role("button", name="Завершить").click()
        expect(page.locator("#sessions-status")).to_have_text("Сеанс завершён.")
        expect(sessions).to_have_count(1)
        expect(page.get_by_role("button", name="Выйти на всех других устройствах")).to_be_hidden()

        phone.page.reload()  # the phone's tokens stopped working at once
        expect(phone.page).to_have_url(re.compile(r"/login"))
    finally:
        laptop.close()
        phone.close()


def test_sign_out_on_every_other_device_keeps_this_one(chromium, stack, subscriber):
    browsers = [open_browser(chromium, stack, DESKTOP) for _ in range(3)]
    try:
        for ui in browsers:
            log_in(ui, subscriber)
        page = browsers[-1].page
        page.get_by_role("link", name="Профиль").click()
        expect(page.locator("#sessions li")).to_have_count(3)
        page.get_by_role("button", name="Выйти на всех других устройствах").click()
        expect(page.locator("#sessions-status")).to_have_text("Завершено сеансов: 2.")
        expect(page.locator("#sessions li")).to_have_count(1)
        for other in browsers[:-1]:
            other.page.reload()
            expect(other.page).to_have_url(re.compile(r"/login"))
        page.reload()
        expect(page.get_by_role("heading", name="Профиль")).to_be_visible()
        expect(page.locator("#sessions-status")).to_have_text("Вход выполнен только на этом устройстве.")
    finally:
        for ui in browsers:
            ui.close()


@contextmanager
def on_profile(chromium, stack, me: dict[str, Any]) -> Iterator[Any]:
    """A desktop browser, signed in as `me`, on the profile page (closed afterwards)."""
    ui = open_browser(chromium, stack, DESKTOP)
    try:
        log_in(ui, me)
        ui.page.get_by_role("link", name="Профиль").click()
        yield ui
    finally:
        ui.close()


def test_the_profile_lists_the_messages_sent_without_their_codes(chromium, stack, subscriber):
    with on_profile(chromium, stack, subscriber) as ui:
        page = ui.page
        code = page.locator("#notices li[data-template=verification_code]")

        def listed() -> bool:  # the notifier's outcome reaches identity's read model through Kafka
            if code.count():
                return True
            page.reload()
            page.locator("#notices-section").wait_for(state="visible")
            return bool(code.count())

        wait_for(listed, timeout=30, every=0.5, what="the registration code in the profile's messages")
        expect(code).to_contain_text("Код подтверждения")
        expect(code.locator(".badge")).to_have_text("отправлено")
        expect(code).to_contain_text("SMS")
        sms = code_in(stack, subscriber["phone"])
        assert sms not in page.locator("#notices").inner_text()  # the list never shows a code
        ui.shot("31-profile-messages")


def test_notification_settings_offer_only_confirmed_contacts_and_save_the_choice(chromium, stack, subscriber):
    with on_profile(chromium, stack, subscriber) as ui:
        page = ui.page
        card = page.locator("#notify-section")
        expect(card.get_by_role("heading", name="Уведомления")).to_be_visible()
        sms, mail = card.get_by_label("SMS на телефон"), card.get_by_label("Письмом на email")
        expect(sms).to_be_checked()  # where the account was confirmed
        expect(mail).to_be_disabled()  # the email is not confirmed
        low = card.get_by_label("Сообщать о низком балансе услуг")
        expect(low).to_be_checked()

        expect(card.get_by_label("Русский")).to_be_checked()  # registered in Russian
        low.uncheck()
        card.get_by_label("English").check()
        card.get_by_role("button", name="Сохранить").click()

        expect(card.get_by_role("status")).to_have_text("Настройки уведомлений сохранены.")
        ui.shot("32-profile-notification-settings")
        page.reload()
        card = page.locator("#notify-section")
        expect(card.get_by_label("Сообщать о низком балансе услуг")).not_to_be_checked()
        expect(card.get_by_label("English")).to_be_checked()
