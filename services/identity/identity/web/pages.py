"""Routes of the web UI. The server renders the page shells; `static/js/<page>.js` calls the API."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from identity.web import i18n

blueprint = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)
YEAR = 365 * 24 * 3600
NOTICES = ("logged_out", "password_changed", "password_reset", "confirmed", "session_expired")
SECURITY_HEADERS = {
    # tokens live in sessionStorage, so no inline script may ever run; links carry tokens: no referrer
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@blueprint.after_request
def _secure(resp: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        resp.headers.setdefault(name, value)
    if resp.mimetype == "text/html":  # the page's language comes from a cookie
        resp.vary.add("Cookie")
        resp.headers.setdefault("Cache-Control", "no-cache")
    return resp


@blueprint.context_processor
def _context() -> dict[str, Any]:
    lang = i18n.current()
    other = "en" if lang == "ru" else "ru"
    return {
        "lang": lang,
        "other_lang": other,
        "t": partial(i18n.translate, lang),
        "js_catalogue": i18n.catalogue(lang),
        "here": request.full_path.rstrip("?"),
    }


def _page(template: str, *, title: str, script: str | None = None, nav: str = "", **extra: Any) -> str:
    return render_template(f"web/{template}.html", title=title, script=script, nav=nav, **extra)


def _safe_next(target: str | None) -> str:
    """A local path to go back to (never another site: `//host`, `/\\host` or a scheme)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


@blueprint.get("/lang/<code>")
def switch_language(code: str) -> BaseResponse:
    """Remember the chosen language in a cookie and go back to the page."""
    resp = redirect(_safe_next(request.args.get("next")), 303)
    if code in i18n.LANGS:
        resp.set_cookie(i18n.COOKIE, code, max_age=YEAR, samesite="Lax", httponly=True)
    return resp


@blueprint.get("/")
def dashboard() -> str:
    """Linked services as cards (needs a session)."""
    return _page("dashboard", title="dashboard.title", script="dashboard", nav="dashboard")


@blueprint.get("/login")
def login() -> str:
    """Log in; `?notice=` names a known message (logged out, password changed, …)."""
    notice = request.args.get("notice")
    return _page(
        "login",
        title="login.title",
        script="login",
        nav="login",
        notice=notice if notice in NOTICES else None,
    )


@blueprint.get("/register")
def register() -> str:
    """The three-step registration wizard."""
    return _page("register", title="register.title", script="register", nav="register")


@blueprint.get("/register/confirm")
def register_confirm() -> str:
    """Code entry after registration, with resend."""
    return _page("confirm", title="confirm.title", script="confirm")


@blueprint.get("/confirm-email")
def confirm_email() -> str:
    """Landing page of the email link: the script sends the token to `GET /confirm`."""
    return _page("confirm_email", title="confirm_email.title", script="confirm-email")


@blueprint.get("/password-recovery")
def password_recovery() -> str:
    """Forgotten password: ask for a code, then set a new password (also the email link's target)."""
    return _page("recovery", title="recovery.title", script="recovery")


@blueprint.get("/services/add")
def add_service() -> str:
    """Region + type + identifier, then linked or the code step (`?link=` opens the code step)."""
    return _page("add_service", title="add.title", script="add-service", nav="dashboard")


@blueprint.get("/profile")
def profile() -> str:
    """Personal data, contacts, contact and password changes."""
    return _page("profile", title="profile.title", script="profile", nav="profile")


@blueprint.get("/help/registration")
def help_registration() -> str:
    """How to register: the steps with screenshots."""
    return _page("help", title="help.title", nav="help")


@blueprint.get("/help")
def help_index() -> BaseResponse:
    return redirect(url_for("web.help_registration"), 302)
