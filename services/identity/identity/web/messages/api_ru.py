"""Russian for the English messages the public API puts in `errors`, `problems` and `suggestions`.

The API speaks English; the UI shows these texts in Russian when it knows them, else the
field's generic hint (`field_generic.*`), else the API's own words.
"""

from __future__ import annotations

API_RU: dict[str, str] = {
    # marshmallow
    "Missing data for required field.": "Заполните это поле.",
    "Field may not be null.": "Заполните это поле.",
    "Not a valid string.": "Неверное значение.",
    "Not a valid date.": "Укажите дату в формате ГГГГ-ММ-ДД.",
    "Not a valid UUID.": "Неверный идентификатор.",
    "Unknown field.": "Неизвестное поле.",
    "Must be one of: sms, email.": "Выберите SMS или письмо.",
    # login and names
    "Use 3 to 32 characters.": "Используйте от 3 до 32 символов.",
    "Use Latin letters and digits, starting with a letter; '.', '_' and '-' may separate parts.": (
        "Используйте латинские буквы и цифры, начиная с буквы; части можно разделять «.», «_» и «-»."
    ),
    "Use 1 to 60 characters.": "Используйте от 1 до 60 символов.",
    "Use Cyrillic or Latin letters; parts may be joined by a hyphen.": (
        "Используйте кириллицу или латиницу; части можно соединять дефисом."
    ),
    "Do not mix Cyrillic and Latin letters in one name.": "Не смешивайте кириллицу и латиницу в одном имени.",
    "The birth date is in the future.": "Дата рождения не может быть в будущем.",
    "You must be at least 14 years old.": "Регистрация доступна с 14 лет.",
    "Check the year of birth.": "Проверьте год рождения.",
    # passwords
    "Use at least 8 characters (15 or more is better).": (
        "Используйте не менее 8 символов (лучше 15 и больше)."
    ),
    "Use at most 128 characters.": "Используйте не более 128 символов.",
    "This password is too common: it appears in lists of leaked passwords.": (
        "Это слишком распространённый пароль: он есть в списках утёкших паролей."
    ),
    "Do not put your login inside the password.": "Не включайте логин в пароль.",
    "Avoid repeated characters and simple sequences.": "Избегайте повторов и простых последовательностей.",
    "The passwords do not match.": "Пароли не совпадают.",
    "The current password is wrong.": "Текущий пароль указан неверно.",
    "Use 15 or more characters: a few unrelated words work well.": (
        "Используйте 15 символов и больше: подойдут несколько не связанных слов."
    ),
    "Mix upper and lower case letters.": "Сочетайте прописные и строчные буквы.",
    "Add digits.": "Добавьте цифры.",
    "Add punctuation or other symbols.": "Добавьте знаки препинания или другие символы.",
    # contacts
    "Not a phone number.": "Это не похоже на номер телефона.",
    "Not a valid phone number.": "Такого номера телефона не бывает, проверьте цифры.",
    "Use a mobile number.": "Укажите номер мобильного телефона.",
    "Not an email address.": "Это не похоже на адрес электронной почты.",
    "Give a new phone or a new email.": "Укажите новый телефон или новый email.",
    # regions, services, codes
    "Not an ISO 3166-2:RU region code (see GET /api/v1/regions).": "Выберите регион из списка.",
    "Unknown region code.": "Выберите регион из списка.",
    "Must be one of: mobile, home_phone, internet, tv, personal_account.": "Выберите тип услуги из списка.",
    "Length must be between 4 and 32.": "Введите от 4 до 32 символов.",
    "Not a personal account number (4–20 digits).": "Номер лицевого счёта — от 4 до 20 цифр.",
    "The code is 6 digits.": "Код — это 6 цифр.",
    "Give one of login, email or phone.": "Укажите логин, email или телефон.",
    "Give the token from the link, or the code with the login.": (
        "Укажите код и логин или перейдите по ссылке."
    ),
    # generic hints for messages the table does not know (e.g. the email validator's)
    "field_generic.email": "Проверьте адрес электронной почты.",
    "field_generic.phone": "Проверьте номер телефона.",
}
