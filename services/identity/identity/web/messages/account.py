"""Registration, confirmation, login and password recovery. key → (Russian, English)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # registration
    "register.title": ("Регистрация", "Registration"),
    "register.lead": (
        "Три коротких шага — и личный кабинет готов.",
        "Three short steps and your account is ready.",
    ),
    "register.help_link": ("Как зарегистрироваться?", "How to register?"),
    "register.steps": ("Шаги регистрации", "Registration steps"),
    "register.step1": ("Логин и пароль", "Login and password"),
    "register.step2": ("Личные данные", "Personal data"),
    "register.step3": ("Контакты", "Contacts"),
    "register.step_of": ("Шаг {n} из 3", "Step {n} of 3"),
    "register.submit": ("Зарегистрироваться", "Register"),
    "register.have_account": ("Уже зарегистрированы?", "Already registered?"),
    "register.login_taken": (
        "Этот логин уже занят. Выберите другой.",
        "This login is taken. Choose another one.",
    ),
    # confirmation
    "confirm.title": ("Подтверждение", "Confirmation"),
    "confirm.missing": (
        "Нет регистрации, которая ждёт подтверждения в этом окне браузера.",
        "There is no registration waiting for confirmation in this browser window.",
    ),
    "confirm.sent_sms": (
        "Мы отправили SMS с кодом на номер {destination}.",
        "We sent a text message with a code to {destination}.",
    ),
    "confirm.sent_email": (
        "Мы отправили письмо с кодом и ссылкой на {destination}.",
        "We sent an email with a code and a link to {destination}.",
    ),
    "confirm.link_hint": (
        "Можно ввести код или просто перейти по ссылке из письма.",
        "Enter the code, or simply follow the link in the email.",
    ),
    "confirm.submit": ("Подтвердить", "Confirm"),
    "confirm.done": (
        "Готово! Контакт подтверждён, теперь можно войти.",
        "Done! Your contact is confirmed; you can log in.",
    ),
    "confirm.wrong": ("Неверный код. Осталось попыток: {n}.", "Wrong code. Attempts left: {n}."),
    "confirm.gone": (
        "Код устарел или попытки закончились. Запросите новый код.",
        "The code has expired or has no attempts left. Ask for a new code.",
    ),
    "confirm.not_found": (
        "Код ещё не отправлен или уже недействителен. Запросите новый код.",
        "No code is waiting yet, or it is no longer valid. Ask for a new code.",
    ),
    "resend.button": ("Отправить код ещё раз", "Send the code again"),
    "resend.wait_button": ("Отправить ещё раз через {wait}", "Send again in {wait}"),
    "resend.sent": (
        "Новый код отправлен. Предыдущий больше не действует.",
        "A new code is on its way. The previous one no longer works.",
    ),
    "resend.too_soon": ("Новый код можно запросить через {wait}.", "You can ask for a new code in {wait}."),
    "confirm_email.title": ("Подтверждение email", "Email confirmation"),
    "confirm_email.working": ("Проверяем ссылку…", "Checking the link…"),
    "confirm_email.ok": (
        "Адрес электронной почты подтверждён. Теперь можно войти.",
        "Your email address is confirmed. You can log in now.",
    ),
    "confirm_email.gone": (
        "Ссылка устарела или уже использована. Запросите новый код.",
        "The link has expired or has been used already. Ask for a new code.",
    ),
    "confirm_email.invalid": (
        "Ссылка неполная или неверная. Скопируйте её из письма целиком.",
        "The link is incomplete or wrong. Copy the whole link from the email.",
    ),
    "confirm_email.enter_code": ("Ввести код", "Enter the code"),
    # login
    "login.title": ("Вход", "Log in"),
    "login.submit": ("Войти", "Log in"),
    "login.forgot": ("Забыли пароль?", "Forgot your password?"),
    "login.no_account": ("Нет учётной записи?", "No account yet?"),
    "login.bad": ("Неверный логин или пароль.", "Wrong login or password."),
    "login.unconfirmed": (
        "Сначала подтвердите телефон или email: введите код из SMS или перейдите по ссылке из письма.",
        "Confirm your phone or email first: enter the code from the text message or follow the "
        "link in the email.",
    ),
    "login.unconfirmed_link": ("Ввести код подтверждения", "Enter the confirmation code"),
    "login.locked": (
        "Слишком много неудачных попыток входа. Вход временно заблокирован — попробуйте через {wait}.",
        "Too many failed attempts. Logging in is paused for now — try again in {wait}.",
    ),
    "login.unlocked": ("Можно попробовать снова.", "You can try again now."),
    "notice.logged_out": ("Вы вышли из личного кабинета.", "You have logged out."),
    "notice.password_changed": (
        "Пароль изменён. Войдите с новым паролем.",
        "Your password has been changed. Log in with the new one.",
    ),
    "notice.password_reset": (
        "Пароль восстановлен. Войдите с новым паролем.",
        "Your password has been reset. Log in with the new one.",
    ),
    "notice.confirmed": (
        "Контакт подтверждён. Теперь можно войти.",
        "Your contact is confirmed. You can log in now.",
    ),
    "notice.session_expired": (
        "Сеанс завершён. Войдите снова.",
        "Your session has ended. Please log in again.",
    ),
    # recovery
    "recovery.title": ("Восстановление пароля", "Password recovery"),
    "recovery.request_title": ("1. Получите код", "1. Get a code"),
    "recovery.request_lead": (
        "Укажите логин, подтверждённый email или телефон.",
        "Enter your login, or your confirmed email or phone.",
    ),
    "recovery.request_submit": ("Получить код", "Send me a code"),
    "recovery.have_code": ("У меня уже есть код", "I already have a code"),
    "recovery.complete_title": ("2. Задайте новый пароль", "2. Set a new password"),
    "recovery.sent": (
        "Если такая учётная запись есть, мы отправили код и ссылку на подтверждённый телефон или email.",
        "If such an account exists, we sent a code and a link to its confirmed phone or email.",
    ),
    "recovery.by_link": (
        "Вы перешли по ссылке из письма: осталось задать новый пароль.",
        "You followed the link from the email: now set a new password.",
    ),
    "recovery.complete_submit": ("Сохранить пароль", "Save the password"),
    "recovery.done": (
        "Пароль изменён. Все прежние сеансы завершены.",
        "Your password has been changed. All earlier sessions have ended.",
    ),
    "recovery.gone": (
        "Код или ссылка неверны, использованы или устарели. Запросите новый код.",
        "The code or link is wrong, used or expired. Ask for a new code.",
    ),
}
