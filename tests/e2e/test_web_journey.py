"""A subscriber's whole journey through the web UI in headless Chromium, on a phone-sized screen.

Register in three steps → confirm with the SMS code from the dev inbox → log in → add a service
by holder match and another by the code sent to the contract phone → see the balances (a debt
highlighted) and a refresh → change the email with its code → log out → recover the password →
change it again in the profile.
Screenshots of every page land in .run/screenshots/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from support import wait_for
from web_support import PASSWORD, BillingFeed, chromium, code_in, open_browser, person

pytestmark = pytest.mark.e2e
__all__ = ["chromium"]  # the browser fixture
NEW_PASSWORD = "Журавли-летят-на-юг-1977"


@pytest.fixture
def feed(stack):
    feed = BillingFeed(stack)
    yield feed
    feed.close()


def register(ui: Any, me: dict[str, Any]) -> None:
    page: Page = ui.page
    page.goto("/register")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.get_by_label("Логин", exact=True).fill(me["login"])
    page.get_by_label("Пароль", exact=True).fill(me["password"])
    expect(page.locator("[data-strength-for=password] .verdict")).to_contain_text("Надёжность")
    page.get_by_label("Повторите пароль", exact=True).fill(me["password"])
    ui.shot("01-register-step1")
    page.get_by_role("button", name="Далее").click()

    step2 = page.locator("[data-step='2']")
    expect(step2).to_be_visible()
    page.get_by_label("Фамилия").fill(me["last_name"])
    page.get_by_label("Имя", exact=True).fill(me["first_name"])
    page.get_by_label("Отчество").fill(me["middle_name"])
    page.get_by_label("Дата рождения").fill(me["birth_date"])
    page.get_by_label("Регион").fill(me["region_name"])
    ui.shot("02-register-step2")
    step2.get_by_role("button", name="Назад").click()  # going back keeps what was typed
    expect(page.get_by_label("Логин", exact=True)).to_have_value(me["login"])
    page.locator("[data-step='1']").get_by_role("button", name="Далее").click()
    expect(page.get_by_label("Фамилия")).to_have_value(me["last_name"])
    step2.get_by_role("button", name="Далее").click()

    expect(page.locator("[data-step='3']")).to_be_visible()
    page.get_by_label("Мобильный телефон").fill(me["phone"])
    page.get_by_label("Электронная почта").fill(me["email"])
    expect(page.get_by_label("По SMS на телефон")).to_be_checked()
    ui.shot("03-register-step3")
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page).to_have_url(re.compile(r"/register/confirm$"))


def confirm_by_sms(ui: Any, stack: Any, me: dict[str, Any]) -> None:
    page: Page = ui.page
    expect(page.locator("#confirm-sent")).to_contain_text(me["phone"][:5])
    code = code_in(stack, me["phone"])
    resend = page.get_by_role("button", name="Отправить код ещё раз")
    resend.click()  # too soon: the countdown comes from Retry-After
    expect(page.locator("#resend")).to_be_disabled()
    expect(page.locator("#resend")).to_contain_text(re.compile(r"через \d"))
    ui.shot("04-confirm-code")
    page.get_by_label("Код подтверждения").fill(code)
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.locator("#confirm-done")).to_be_visible()
    ui.shot("05-confirmed")
    page.locator("#confirm-done").get_by_role("link", name="Войти").click()


def log_in(ui: Any, me: dict[str, Any], password: str) -> None:
    page: Page = ui.page
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Логин", exact=True).fill(me["login"])
    page.get_by_label("Пароль", exact=True).fill(password)
    ui.shot("06-login")
    page.get_by_label("Пароль", exact=True).press("Enter")  # the keyboard is enough
    expect(page.get_by_role("heading", name="Мои услуги")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/$"))


def add_service(
    ui: Any, stack: Any, me: dict[str, Any], *, kind: str, number: str, code_to: str | None
) -> None:
    """Fill "Add service"; linked at once, or through the code sent to `code_to`.

    The billing feed reaches billing-link asynchronously: until it has, the reply is the uniform
    `pending_proof` with no code, and the subscriber simply tries again.
    """
    page: Page = ui.page
    page.goto("/services/add")
    page.get_by_label("Регион").fill(me["region_name"])
    page.get_by_label("Тип услуги").select_option(kind)
    page.get_by_label("Номер лицевого счёта").fill(number)
    ui.shot(f"08-add-{kind}")
    sent = len(stack.messages(code_to)) if code_to else 0

    def outcome() -> str | None:
        page.get_by_role("button", name="Добавить", exact=True).click()
        expect(page.locator("#add-service-done:visible, #add-service-code:visible")).to_be_visible()
        if page.locator("#add-service-done").is_visible():
            return "linked"
        if code_to and len(stack.messages(code_to)) > sent:
            return "code"
        page.get_by_role("button", name="Изменить данные").click()
        return None

    result = wait_for(outcome, timeout=30, every=0.5, what=f"billing-link to know account {number}")
    if code_to:
        assert result == "code"
        ui.shot(f"09-add-{kind}-code")
        page.get_by_label("Код подтверждения").fill(code_in(stack, code_to))
        page.get_by_role("button", name="Подтвердить").click()
    expect(page.locator("#add-service-done")).to_contain_text("Услуга подключена")
    ui.shot(f"10-add-{kind}-linked")


def card(page: Page, kind_name: str) -> Any:
    return page.locator("li.service").filter(has=page.get_by_role("heading", name=kind_name))


def test_a_subscriber_registers_links_services_changes_contacts_and_recovers_the_password(
    chromium, stack, feed
):
    me = person()
    own = feed.account(me)  # the holder matches: linked at once
    other_phone = me["phone"][:-4] + "0000"
    foreign = feed.account(
        me,
        service_type="tv",
        contract_phone=other_phone,
        holder={**own["holder"], "first_name": "Ольга"},
        balance={"amount": "-12.40", "currency": "RUB"},
        plan="ТВ Премиум",
    )
    ui = open_browser(chromium, stack)
    page = ui.page
    try:
        register(ui, me)
        confirm_by_sms(ui, stack, me)
        log_in(ui, me, PASSWORD)

        expect(page.locator("#services-empty")).to_be_visible()
        ui.shot("07-dashboard-empty")
        add_service(ui, stack, me, kind="internet", number=own["account_number"], code_to=None)
        add_service(ui, stack, me, kind="tv", number=foreign["account_number"], code_to=other_phone)

        page.get_by_role("link", name="К моим услугам").click()
        internet, tv = card(page, "Домашний интернет"), card(page, "Телевидение")
        expect(internet.locator(".service-balance")).to_contain_text("250,00")
        expect(internet.locator(".service-plan")).to_have_text(own["plan"])
        expect(internet.locator(".service-status")).to_contain_text("Подключена")
        assert own["account_number"] not in internet.locator(".service-identifier").inner_text()  # masked
        expect(tv.locator(".service-balance")).to_contain_text("12,40")
        expect(tv.locator(".service-balance")).to_have_class(re.compile(r"\bnegative\b"))
        expect(tv.locator(".debt")).to_have_text("задолженность")
        ui.shot("11-dashboard")

        feed.publish(
            "BalanceChanged",
            {"account_number": own["account_number"], "balance": {"amount": "1000.00", "currency": "RUB"},
             "reason": "payment"},
        )  # fmt: skip

        def refreshed() -> bool:
            page.get_by_role("button", name="Обновить").click()
            return re.search(r"1\s000,00", internet.locator(".service-balance").inner_text()) is not None

        wait_for(refreshed, timeout=20, every=0.5, what="the new balance after a refresh")

        page.get_by_role("link", name="Профиль").click()
        contacts = page.locator("#contacts")
        expect(contacts.locator("[data-kind=phone] .badge")).to_have_text("подтверждён")
        expect(contacts.locator("[data-kind=email] .badge")).to_have_text("не подтверждён")
        expect(page.locator("[data-me=name]")).to_have_text("Соколова Анна Игоревна")
        new_email = "new." + me["email"]
        page.get_by_label("Новая электронная почта").fill(new_email)
        page.get_by_role("button", name="Получить код").click()
        page.get_by_label(re.compile("Код, отправленный на")).fill(code_in(stack, new_email))
        ui.shot("12-profile-contact-code")
        page.locator("#contact-codes").get_by_role("button", name="Подтвердить").click()
        expect(contacts.locator("[data-kind=email]")).to_contain_text(new_email)
        expect(contacts.locator("[data-kind=email] .badge")).to_have_text("подтверждён")
        ui.shot("13-profile")

        page.get_by_role("button", name="Выйти").click()
        expect(page.locator("#login-notice")).to_have_text("Вы вышли из личного кабинета.")
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/login\?next="))  # the session is gone

        page.get_by_role("link", name="Забыли пароль?").first.click()
        page.get_by_label("Логин, email или телефон").fill(me["login"])
        sent = {to: len(stack.messages(to)) for to in (me["phone"], new_email)}
        page.get_by_role("button", name="Получить код").click()
        expect(page.locator("#recovery-sent")).to_be_visible()
        to = wait_for(
            lambda: next((t for t, n in sent.items() if len(stack.messages(t)) > n), None),
            what="the recovery code",
        )
        page.get_by_label("Код подтверждения").fill(code_in(stack, to, after=sent[to]))
        expect(page.get_by_label("Логин", exact=True)).to_have_value(me["login"])
        page.get_by_label("Новый пароль", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Повторите новый пароль").fill(NEW_PASSWORD)
        ui.shot("14-recovery")
        page.get_by_role("button", name="Сохранить пароль").click()
        expect(page.locator("#recovery-done")).to_be_visible()
        page.locator("#recovery-done").get_by_role("link", name="Войти").click()
        log_in(ui, me, NEW_PASSWORD)
        expect(card(page, "Телевидение")).to_be_visible()

        page.get_by_role("link", name="Профиль").click()
        page.get_by_label("Текущий пароль").fill(NEW_PASSWORD)
        page.get_by_label("Новый пароль", exact=True).fill(PASSWORD)
        page.get_by_label("Повторите новый пароль").fill(PASSWORD)
        page.get_by_role("button", name="Сменить пароль").click()
        expect(page.locator("#login-notice")).to_have_text("Пароль изменён. Войдите с новым паролем.")
        log_in(ui, me, PASSWORD)
    finally:
        ui.close()
