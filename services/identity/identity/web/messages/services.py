"""Dashboard, add service, profile and the help page. key → (Russian, English)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # dashboard
    "dashboard.title": ("Мои услуги", "My services"),
    "dashboard.refresh": ("Обновить", "Refresh"),
    "dashboard.add": ("Добавить услугу", "Add a service"),
    "dashboard.loading": ("Загружаем услуги…", "Loading your services…"),
    "dashboard.updated": ("Обновлено в {time}.", "Updated at {time}."),
    "dashboard.hello": ("Здравствуйте, {name}!", "Hello, {name}!"),
    "dashboard.empty_title": ("Пока нет подключённых услуг", "No services yet"),
    "dashboard.empty_text": (
        "Добавьте мобильную связь, интернет, ТВ или домашний телефон, чтобы видеть баланс и тариф.",
        "Add your mobile, internet, TV or home phone to see its balance and plan.",
    ),
    "dashboard.list_label": ("Подключённые услуги", "Linked services"),
    "service.identifier": ("Номер", "Number"),
    "service.plan": ("Тариф", "Plan"),
    "service.status": ("Статус", "Status"),
    "service.balance": ("Баланс", "Balance"),
    "service.debt": ("задолженность", "in debt"),
    "service.none": ("—", "—"),
    "service.updated": ("Данные на {time}", "As of {time}"),
    "service.enter_code": ("Ввести код подтверждения", "Enter the confirmation code"),
    "status.linked": ("Подключена", "Linked"),
    "status.pending_proof": ("Ждёт подтверждения", "Waiting for confirmation"),
    "status.failed": ("Не подтверждена", "Not confirmed"),
    "status.active": ("активна", "active"),
    "status.suspended": ("приостановлена", "suspended"),
    "status.terminated": ("закрыта", "terminated"),
    "type.mobile": ("Мобильная связь", "Mobile"),
    "type.home_phone": ("Домашний телефон", "Home phone"),
    "type.internet": ("Домашний интернет", "Home internet"),
    "type.tv": ("Телевидение", "TV"),
    "type.personal_account": ("Лицевой счёт", "Personal account"),
    # add service
    "add.title": ("Добавить услугу", "Add a service"),
    "add.lead": (
        "Укажите регион, тип услуги и номер телефона или лицевого счёта из договора.",
        "Give the region, the service type and the phone or personal account number from the contract.",
    ),
    "add.submit": ("Добавить", "Add"),
    "add.linked": (
        "Услуга подключена к вашему личному кабинету.",
        "The service is now in your personal account.",
    ),
    "add.to_dashboard": ("К моим услугам", "To my services"),
    "add.another": ("Добавить ещё", "Add another"),
    "add.code_title": ("Подтвердите, что услуга ваша", "Confirm the service is yours"),
    "add.code_lead": (
        "Если номер найден, мы отправили код в SMS на телефон, указанный в договоре. "
        "Если код не пришёл, проверьте регион, тип услуги и номер.",
        "If the number was found, we sent a code by text message to the phone on the contract. "
        "No code? Check the region, the service type and the number.",
    ),
    "add.code_submit": ("Подтвердить", "Confirm"),
    "add.edit": ("Изменить данные", "Change the details"),
    "add.still_pending": (
        "Код принят, подключаем услугу. Она появится в списке через минуту.",
        "Code accepted; the service is being linked and will show up in a minute.",
    ),
    "add.gone": (
        "Код устарел или попытки закончились. Добавьте услугу ещё раз, чтобы получить новый код.",
        "The code has expired or has no attempts left. Add the service again for a new code.",
    ),
    # profile
    "profile.title": ("Профиль", "Profile"),
    "profile.loading": ("Загружаем профиль…", "Loading your profile…"),
    "profile.personal": ("Личные данные", "Personal data"),
    "profile.name": ("ФИО", "Full name"),
    "profile.contacts": ("Контакты", "Contacts"),
    "profile.phone": ("Телефон", "Phone"),
    "profile.email": ("Email", "Email"),
    "profile.confirmed": ("подтверждён", "confirmed"),
    "profile.unconfirmed": ("не подтверждён", "not confirmed"),
    "profile.pending": ("ждёт подтверждения", "waiting for confirmation"),
    "profile.change_contact": ("Сменить телефон или email", "Change the phone or email"),
    "profile.change_contact_lead": (
        "Новый контакт заменит старый только после подтверждения кодом.",
        "The new contact replaces the old one only once you confirm it with a code.",
    ),
    "profile.change_submit": ("Получить код", "Send me a code"),
    "profile.give_contact": ("Укажите новый телефон или новый email.", "Give a new phone or a new email."),
    "profile.code_sent": ("Код отправлен на {destination}.", "A code was sent to {destination}."),
    "profile.contact_changed": ("Готово: контакт изменён.", "Done: the contact has been changed."),
    "profile.change_password": ("Сменить пароль", "Change the password"),
    "profile.password_lead": (
        "После смены пароля все сеансы завершатся и нужно будет войти снова.",
        "After the change every session ends and you will log in again.",
    ),
    "profile.password_submit": ("Сменить пароль", "Change the password"),
    "profile.sessions": ("Где выполнен вход", "Where you are signed in"),
    "profile.sessions_lead": (
        "Если какого-то устройства вы не узнаёте, завершите его сеанс и смените пароль.",
        "If you do not recognise a device, end its session and change your password.",
    ),
    "profile.session_current": ("это устройство", "this device"),
    "profile.session_opened": ("вход {at}", "signed in {at}"),
    "profile.session_active": ("активность {at}", "active {at}"),
    "profile.session_from": ("IP {ip}", "IP {ip}"),
    "profile.session_unknown_device": ("Неизвестное устройство", "Unknown device"),
    "profile.session_end": ("Завершить", "End"),
    "profile.session_ended": ("Сеанс завершён.", "The session has ended."),
    "profile.sessions_end_others": ("Выйти на всех других устройствах", "Sign out on every other device"),
    "profile.sessions_ended": ("Завершено сеансов: {n}.", "Sessions ended: {n}."),
    "profile.sessions_only_this": (
        "Вход выполнен только на этом устройстве.",
        "You are signed in on this device only.",
    ),
    "profile.notify": ("Уведомления", "Notifications"),
    "profile.notify_lead": (
        "Куда присылать уведомления о вашем кабинете: смена пароля, блокировка входа, "
        "подключение и отключение услуг, низкий баланс. "
        "Коды подтверждения приходят на тот контакт, который подтверждают.",
        "Where to send notices about your account: password changes, sign-in locks, services added or "
        "removed, low balance. Confirmation codes go to the contact they confirm.",
    ),
    "profile.notify_channel": ("Присылать уведомления", "Send notices by"),
    "profile.notify_by_sms": ("SMS на телефон", "Text message to the phone"),
    "profile.notify_by_email": ("Письмом на email", "Email"),
    "profile.notify_channel_hint": (
        "Можно выбрать только подтверждённый контакт.",
        "Only a confirmed contact can be chosen.",
    ),
    "profile.notify_low_balance": (
        "Сообщать о низком балансе услуг",
        "Tell me when a service's balance is low",
    ),
    "profile.notify_locale": ("Язык SMS и писем", "Language of texts and emails"),
    "profile.notify_submit": ("Сохранить", "Save"),
    "profile.notify_saved": ("Настройки уведомлений сохранены.", "Notification settings saved."),
    "profile.notices": ("Сообщения от Кабинета", "Messages from Kabinet"),
    "profile.notices_lead": (
        "Последние SMS и письма, которые мы вам отправили (без кодов и текста).",
        "The latest SMS and emails we sent you (without codes or text).",
    ),
    "profile.notices_none": ("Сообщений пока не было.", "No messages yet."),
    "msg.verification_code": ("Код подтверждения", "Confirmation code"),
    "msg.contact_change_notice": ("Смена контакта", "Contact change"),
    "msg.contact_used_again": ("Ваш контакт указали при регистрации", "Your contact was used to register"),
    "msg.contact_released": ("Номер больше не ваш", "The number is no longer yours"),
    "msg.password_changed": ("Пароль изменён", "Password changed"),
    "msg.soft_locked": ("Вход временно заблокирован", "Sign-in temporarily locked"),
    "msg.service_added": ("Услуга подключена", "Service added"),
    "msg.service_removed": ("Услуга отключена", "Service removed"),
    "msg.low_balance": ("Низкий баланс", "Low balance"),
    "msg.channel.sms": ("SMS", "SMS"),
    "msg.channel.email": ("Email", "Email"),
    "msg.state.sent": ("отправлено", "sent"),
    "msg.state.failed": ("не отправлено", "not sent"),
    "msg.state.delivered": ("доставлено", "delivered"),
    "msg.state.undelivered": ("не доставлено", "not delivered"),
    "profile.not_ready": (
        "Профиль ещё готовится, обновите страницу через несколько секунд.",
        "Your profile is still being prepared; reload the page in a few seconds.",
    ),
    # help
    "help.title": ("Как зарегистрироваться", "How to register"),
    "help.lead": (
        "Регистрация занимает пару минут. Понадобятся телефон или электронная почта, чтобы получить код.",
        "Registering takes a couple of minutes. You need your phone or email to receive a code.",
    ),
    "help.step1_title": ("Шаг 1. Логин и пароль", "Step 1. Login and password"),
    "help.step1_text": (
        "Придумайте логин латинскими буквами и надёжный пароль. Под полем пароля сразу видно, "
        "насколько он надёжен, и что можно улучшить.",
        "Choose a login in Latin letters and a strong password. Right under the password you see "
        "how strong it is and what would make it stronger.",
    ),
    "help.step1_alt": (
        "Первый шаг: логин, пароль и подсказки о надёжности",
        "Step one: login, password and strength tips",
    ),
    "help.step2_title": ("Шаг 2. Личные данные", "Step 2. Personal data"),
    "help.step2_text": (
        "Фамилия, имя, отчество и дата рождения — как в договоре: по ним ваши услуги "
        "подключатся автоматически. Регион выберите из списка.",
        "Surname, first name, patronymic and date of birth as in your contract: that is how your "
        "services are found. Pick your region from the list.",
    ),
    "help.step2_alt": ("Второй шаг: ФИО, дата рождения и регион", "Step two: name, date of birth and region"),
    "help.step3_title": ("Шаг 3. Контакты", "Step 3. Contacts"),
    "help.step3_text": (
        "Укажите мобильный телефон и email и выберите, куда прислать код: в SMS или письмом.",
        "Give your mobile phone and email and choose where the code goes: text message or email.",
    ),
    "help.step3_alt": (
        "Третий шаг: телефон, email и способ подтверждения",
        "Step three: phone, email and how to confirm",
    ),
    "help.confirm_title": ("Подтверждение", "Confirmation"),
    "help.confirm_text": (
        "Введите 6 цифр из SMS или письма (или перейдите по ссылке из письма). Если код не пришёл, "
        "через минуту можно запросить новый.",
        "Enter the 6 digits from the text message or email (or follow the link in the email). No "
        "code? You can ask for a new one after a minute.",
    ),
    "help.confirm_alt": ("Ввод кода подтверждения", "Entering the confirmation code"),
    "help.login_title": ("Вход", "Logging in"),
    "help.login_text": (
        "Войдите с логином и паролем. Забыли пароль — восстановите его по коду.",
        "Log in with your login and password. Forgot it? Reset it with a code.",
    ),
    "help.add_title": ("Добавьте услуги", "Add your services"),
    "help.add_text": (
        "На странице «Мои услуги» нажмите «Добавить услугу». Если данные договора совпадают с вашими, "
        "услуга подключится сразу, иначе код придёт на телефон из договора.",
        "On “My services” press “Add a service”. If the contract is in your name it is linked at once; "
        "otherwise a code goes to the phone on the contract.",
    ),
    "help.trouble_title": ("Если что-то не получается", "If something goes wrong"),
    "help.trouble_code": (
        "Код не пришёл — проверьте номер или адрес и нажмите «Отправить код ещё раз».",
        "No code? Check the number or address and press “Send the code again”.",
    ),
    "help.trouble_login": (
        "Логин занят — выберите другой; введённые данные при этом сохранятся.",
        "Login taken? Choose another; everything else you typed is kept.",
    ),
    "help.trouble_lock": (
        "После нескольких неверных паролей вход ненадолго блокируется — на странице входа видно, "
        "сколько подождать.",
        "After several wrong passwords logging in pauses briefly; the login page shows how long.",
    ),
    "help.start": ("Начать регистрацию", "Start registering"),
}
