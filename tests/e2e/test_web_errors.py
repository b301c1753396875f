"""What the web UI shows when things go wrong: a weak password, a taken login, a soft lock, links.

Runs in headless Chromium at desktop size; one test in English. Screenshots in .run/screenshots/.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect
from support import wait_for
from web_support import DESKTOP, chromium, open_browser, person, register_by_api

pytestmark = pytest.mark.e2e
__all__ = ["chromium"]  # the browser fixture


@pytest.fixture(scope="module")
def registered(stack) -> dict[str, Any]:
    """Someone who registered through the API and chose to confirm by email (not confirmed yet)."""
    someone = person()
    register_by_api(stack, someone, confirm_via="email")
    return someone


@pytest.fixture
def ui(chromium, stack):
    browser = open_browser(chromium, stack, DESKTOP)
    yield browser
    browser.close()


def test_a_weak_password_is_explained_live_and_next_to_the_field(ui):
    page = ui.page
    page.goto("/register")
    page.get_by_label("Логин", exact=True).fill("anna.web")
    page.get_by_label("Пароль", exact=True).fill("password1")
    strength = page.locator("[data-strength-for=password]")
    expect(strength.locator(".problems")).to_contain_text("слишком распространённый пароль")
    expect(strength.locator("meter")).to_have_attribute("value", "0")
    page.get_by_label("Повторите пароль", exact=True).fill("password1")
    page.get_by_role("button", name="Далее").click()

    error = page.locator("#register-password-error")
    expect(error).to_contain_text("слишком распространённый пароль")  # the API's 422, in Russian
    expect(page.get_by_label("Пароль", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Пароль", exact=True)).to_be_focused()
    expect(page.locator("[data-step='1']")).to_be_visible()  # not past step 1
    ui.shot("20-error-weak-password")


def test_a_taken_login_is_shown_at_the_login_and_nothing_typed_is_lost(ui, registered):
    page = ui.page
    page.goto("/register")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    newcomer = person(login=registered["login"].upper())  # logins are case-insensitive
    page.get_by_label("Login", exact=True).fill(newcomer["login"])
    page.get_by_label("Password", exact=True).fill(newcomer["password"])
    page.get_by_label("Repeat the password").fill(newcomer["password"])
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Surname").fill(newcomer["last_name"])
    page.get_by_label("First name").fill(newcomer["first_name"])
    page.get_by_label("Date of birth").fill(newcomer["birth_date"])
    page.get_by_label("Region").fill("Moskva")
    page.locator("[data-step='2']").get_by_role("button", name="Next").click()
    page.get_by_label("Mobile phone").fill(newcomer["phone"])
    page.get_by_label("Email", exact=True).fill(newcomer["email"])
    page.get_by_label("By the link or code in an email").check()
    page.get_by_role("button", name="Register").click()

    expect(page.locator("#register-login-error")).to_have_text("This login is taken. Choose another one.")
    expect(page.get_by_label("Login", exact=True)).to_be_focused()
    expect(page.get_by_label("Login", exact=True)).to_have_value(newcomer["login"])
    ui.shot("21-error-login-taken")
    page.get_by_label("Login", exact=True).fill(newcomer["login"] + "2")
    page.locator("[data-step='1']").get_by_role("button", name="Next").click()
    expect(page.get_by_label("Surname")).to_have_value(newcomer["last_name"])
    page.locator("[data-step='2']").get_by_role("button", name="Next").click()
    expect(page.get_by_label("Mobile phone")).to_have_value(newcomer["phone"])
    expect(page.get_by_label("By the link or code in an email")).to_be_checked()


def link_in(message: dict[str, Any]) -> str:
    """The path and query of the link in an email, on whatever host the notifier was told."""
    link = urlparse(re.search(r"https?://\S+token=[^\s\"<]+", message["body"]).group(0))
    return f"{link.path}?{link.query}"


def test_email_links_confirm_the_address_and_reset_the_password(ui, stack, registered):
    email = registered["email"]
    letter = wait_for(lambda: stack.messages(email), what="the confirmation email")[0]
    token = parse_qs(urlparse(link_in(letter)).query)["token"][0]
    page = ui.page
    page.goto(f"/confirm-email?token={token}")  # the notifier links to /confirm (JSON) for now
    expect(page.locator("#link-ok")).to_be_visible()
    assert "token" not in page.url  # single-use: dropped from the address bar and history
    ui.shot("22-email-link-confirmed")
    page.goto(f"/confirm-email?token={token}")  # the same link again
    expect(page.locator("#link-failed")).to_contain_text("уже использована")

    page.goto("/password-recovery")
    page.get_by_label("Логин, email или телефон").fill(email)
    page.get_by_role("button", name="Получить код").click()
    expect(page.locator("#recovery-sent")).to_be_visible()
    letter = wait_for(lambda: (m := stack.messages(email)) and len(m) > 1 and m[0], what="the recovery email")
    page.goto(link_in(letter))  # /password-recovery?token=… is this UI's page
    expect(page.locator("[data-proof=token]")).to_be_visible()
    page.get_by_label("Новый пароль", exact=True).fill("Северное-сияние-над-тундрой")
    page.get_by_label("Повторите новый пароль").fill("Северное-сияние-над-тундрой")
    ui.shot("24-recovery-by-link")
    page.get_by_role("button", name="Сохранить пароль").click()
    expect(page.locator("#recovery-done")).to_be_visible()


def test_too_many_wrong_passwords_show_how_long_to_wait(ui, registered):
    page = ui.page
    page.goto(f"/login?login={registered['login']}")
    button = page.get_by_role("button", name="Войти", exact=True)

    def locked_for_a_while() -> bool:
        page.get_by_label("Пароль", exact=True).fill("not-my-password-at-all")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/sessions")) as reply:
            button.click()  # waits while the page keeps the button off during a lock
        return reply.value.status == 429 and int(reply.value.headers["retry-after"]) >= 4

    wait_for(locked_for_a_while, timeout=60, every=0, what="a soft lock of a few seconds")
    alert = page.locator("#login-alert")
    expect(alert).to_have_attribute("data-locked", "true")
    expect(alert).to_contain_text(re.compile(r"попробуйте через \d+ с"))
    expect(button).to_be_disabled()
    ui.shot("23-error-soft-lock")
    expect(button).to_be_enabled(timeout=10_000)  # the countdown ends and the form works again
    expect(alert).to_have_text("Можно попробовать снова.")


def test_the_keyboard_reaches_every_control_with_a_visible_focus(ui):
    page = ui.page
    page.goto("/login")
    page.evaluate("() => { document.body.tabIndex = -1; document.body.focus(); }")  # start at the top
    seen = []
    for _ in range(20):
        page.keyboard.press("Tab")
        focus = page.evaluate(
            "() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return {tag: e.tagName, name: e.name || e.textContent.trim(), outline: s.outlineStyle,"
            " width: parseFloat(s.outlineWidth), shadow: s.boxShadow}; }"
        )
        if focus["tag"] == "BODY":  # past the last control
            break
        assert (focus["outline"] != "none" and focus["width"] >= 2) or focus["shadow"] != "none", focus
        seen.append(focus["name"])
    assert seen[0] == "Перейти к содержанию"  # the skip link comes first
    assert {"login", "password", "Войти", "Забыли пароль?", "English"} <= set(seen)


# The pictures load lazily: scrolling one into view only starts its load, so wait for the
# load (or the error) instead of reading `complete` at once.
_LOADED_WITHIN_10_S = """img => img.complete ? img.naturalWidth > 0 : Promise.race([
    new Promise(done => {
        img.addEventListener("load", () => done(img.naturalWidth > 0), {once: true});
        img.addEventListener("error", () => done(false), {once: true});
    }),
    new Promise(done => setTimeout(() => done(false), 10000)),
])"""


def test_the_help_page_walks_through_the_steps_with_pictures(ui):
    page = ui.page
    page.goto("/login")
    page.get_by_role("link", name="Как зарегистрироваться").first.click()
    expect(page.get_by_role("heading", name="Шаг 1. Логин и пароль")).to_be_visible()
    pictures = page.locator("figure img")
    expect(pictures).to_have_count(4)
    for picture in pictures.all():
        picture.scroll_into_view_if_needed()
        assert picture.evaluate(_LOADED_WITHIN_10_S), picture.get_attribute("src")
        assert picture.get_attribute("alt")
    ui.shot("25-help")
