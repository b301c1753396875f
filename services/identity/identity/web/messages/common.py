"""Shell, forms, fields, password feedback: messages every page may use. key → (Russian, English)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # shell
    "app.name": ("Личный кабинет", "Personal account"),
    "app.noscript": (
        "Для работы личного кабинета включите JavaScript в браузере.",
        "Please turn on JavaScript in your browser to use the personal account.",
    ),
    "nav.skip": ("Перейти к содержанию", "Skip to content"),
    "nav.label": ("Основное меню", "Main menu"),
    "nav.dashboard": ("Мои услуги", "My services"),
    "nav.profile": ("Профиль", "Profile"),
    "nav.logout": ("Выйти", "Log out"),
    "nav.login": ("Войти", "Log in"),
    "nav.register": ("Регистрация", "Register"),
    "nav.help": ("Как зарегистрироваться", "How to register"),
    "nav.recovery": ("Забыли пароль?", "Forgot your password?"),
    "nav.other_lang": ("English", "Русский"),
    # forms
    "form.optional": ("(необязательно)", "(optional)"),
    "form.next": ("Далее", "Next"),
    "form.back": ("Назад", "Back"),
    "form.cancel": ("Отмена", "Cancel"),
    "form.show_password": ("Показать", "Show"),
    "form.hide_password": ("Скрыть", "Hide"),
    "form.required": ("Заполните это поле.", "Fill in this field."),
    "form.fix_errors": ("Проверьте выделенные поля.", "Please check the highlighted fields."),
    "form.fix_errors_step": (
        "Проверьте выделенные поля (шаг {n}).",
        "Please check the highlighted fields (step {n}).",
    ),
    "form.sending": ("Отправляем…", "Sending…"),
    "error.network": (
        "Нет связи с сервером. Проверьте подключение и попробуйте ещё раз.",
        "Cannot reach the server. Check your connection and try again.",
    ),
    "error.unavailable": (
        "Сервис временно недоступен. Попробуйте через {wait}.",
        "The service is temporarily unavailable. Try again in {wait}.",
    ),
    "error.generic": (
        "Что-то пошло не так (код {status}). Попробуйте ещё раз.",
        "Something went wrong (status {status}). Please try again.",
    ),
    "error.too_many": (
        "Слишком много попыток. Попробуйте через {wait}.",
        "Too many attempts. Try again in {wait}.",
    ),
    "time.seconds": ("{s} с", "{s} s"),
    "time.minutes": ("{m} мин {s} с", "{m} min {s} s"),
    "time.hours": ("{h} ч {m} мин", "{h} h {m} min"),
    # fields
    "field.login": ("Логин", "Login"),
    "field.login_hint": (
        "От 3 до 32 символов: латинские буквы и цифры, начинается с буквы; "
        "части можно разделять «.», «_» или «-».",
        "3 to 32 characters: Latin letters and digits, starting with a letter; "
        "'.', '_' or '-' may separate parts.",
    ),
    "field.password": ("Пароль", "Password"),
    "field.password_confirmation": ("Повторите пароль", "Repeat the password"),
    "field.current_password": ("Текущий пароль", "Current password"),
    "field.new_password": ("Новый пароль", "New password"),
    "field.new_password_confirmation": ("Повторите новый пароль", "Repeat the new password"),
    "field.last_name": ("Фамилия", "Surname"),
    "field.first_name": ("Имя", "First name"),
    "field.middle_name": ("Отчество", "Patronymic"),
    "field.birth_date": ("Дата рождения", "Date of birth"),
    "field.birth_date_hint": ("Как в договоре с оператором.", "As in your contract with the operator."),
    "field.region": ("Регион", "Region"),
    "field.region_hint": (
        "Начните вводить название и выберите регион из списка.",
        "Start typing the name and pick the region from the list.",
    ),
    "field.region_pick": ("Выберите регион из списка.", "Pick a region from the list."),
    "field.phone": ("Мобильный телефон", "Mobile phone"),
    "field.phone_hint": ("Например, +7 916 123-45-67.", "For example, +7 916 123-45-67."),
    "field.email": ("Электронная почта", "Email"),
    "field.new_phone": ("Новый мобильный телефон", "New mobile phone"),
    "field.new_email": ("Новая электронная почта", "New email"),
    "field.confirm_via": ("Как подтвердить регистрацию", "How to confirm the registration"),
    "field.code": ("Код подтверждения", "Confirmation code"),
    "field.code_hint": ("6 цифр из SMS или письма.", "The 6 digits from the text message or email."),
    "field.code_format": ("Код — это 6 цифр.", "The code is 6 digits."),
    "field.who": ("Логин, email или телефон", "Login, email or phone"),
    "field.who_hint": (
        "Код придёт на подтверждённый телефон или email.",
        "The code goes to your confirmed phone or email.",
    ),
    "field.service_type": ("Тип услуги", "Service type"),
    "field.identifier_phone": ("Номер телефона", "Phone number"),
    "field.identifier_phone_hint": (
        "Номер, к которому подключена услуга, например +7 916 123-45-67.",
        "The number of the service, for example +7 916 123-45-67.",
    ),
    "field.identifier_account": ("Номер лицевого счёта", "Personal account number"),
    "field.identifier_account_hint": (
        "Указан в договоре и в счёте: от 4 до 20 цифр.",
        "It is on your contract and bills: 4 to 20 digits.",
    ),
    "field.code_for": ("Код, отправленный на {destination}", "The code sent to {destination}"),
    "channel.sms": ("По SMS на телефон", "By text message to the phone"),
    "channel.email": ("По ссылке или коду в письме", "By the link or code in an email"),
    # password strength and advice
    "strength.label": ("Надёжность пароля", "Password strength"),
    "strength.verdict": ("Надёжность: {verdict}", "Strength: {verdict}"),
    "strength.very weak": ("очень слабый", "very weak"),
    "strength.weak": ("слабый", "weak"),
    "strength.fair": ("средний", "fair"),
    "strength.strong": ("надёжный", "strong"),
    "strength.very strong": ("очень надёжный", "very strong"),
    "strength.mismatch": ("Пароли не совпадают.", "The passwords do not match."),
    "advice.title": ("Как придумать надёжный пароль", "How to make a strong password"),
    "advice.length": (
        "Чем длиннее, тем лучше: 15 символов и больше, например несколько не связанных слов.",
        "Longer is better: 15 characters or more, for example a few unrelated words.",
    ),
    "advice.mix": (
        "Используйте строчные и прописные буквы, цифры и знаки препинания.",
        "Mix lower and upper case letters, digits and punctuation.",
    ),
    "advice.unique": (
        "Не используйте пароль от других сайтов и распространённые пароли.",
        "Do not reuse a password from another site or a common one.",
    ),
    "advice.personal": (
        "Не включайте логин, имя или дату рождения.",
        "Do not include your login, name or birth date.",
    ),
}
