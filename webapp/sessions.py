"""Who is logged in: pensioners and staff share Flask-Login but never a session.

The session stores ``p:<id>:<epoch>`` or ``s:<id>:<epoch>``; bumping the
account's ``auth_epoch`` (logout, password change, deactivation) ends every
session opened before, so a cookie copied before a logout opens nothing after.

``session_protection`` is off, by decision: sessions are permanent (they
survive closing the browser until the idle or absolute timeout), and with
permanent sessions Flask-Login's "strong" mode only marks a session
"non-fresh" when the client's IP address or user agent change, which no view
checks; pinning sessions to the IP would log pensioners out whenever their
phone moves between Wi-Fi and mobile data. What protects a session instead:
an HttpOnly, SameSite=Lax cookie (Secure in production), rotated at login,
idle and absolute timeouts, logout ending it on the server, and the password
asked again (throttled) before the e-mail or the password changes.

This module sits below the blueprints: ``security`` and every blueprint use it.
"""

from __future__ import annotations

from flask import current_app, redirect, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from .db import get_session
from .models import Pensioner, StaffUser, utcnow


class SessionUser(UserMixin):
    """The logged-in account, pensioner or staff, wrapping its row."""

    def __init__(self, kind: str, record: Pensioner | StaffUser):
        self.kind = kind
        self.record = record

    def get_id(self) -> str:
        return f"{self.kind}:{self.record.id}:{self.record.auth_epoch}"

    @property
    def is_pensioner(self) -> bool:
        return self.kind == "p"

    @property
    def is_staff(self) -> bool:
        return self.kind == "s"

    @property
    def language(self) -> str | None:
        return getattr(self.record, "language", None)

    @property
    def id(self) -> int:
        return self.record.id  # type: ignore[return-value]


def register_user_loader(manager: LoginManager) -> None:
    """Teach Flask-Login to load either kind of account."""
    manager.login_view = "auth.login"
    manager.login_message = None
    manager.session_protection = None  # see the module docstring

    @manager.user_loader
    def load(user_id: str) -> SessionUser | None:
        try:
            kind, raw_id, epoch = user_id.split(":")
            if kind not in ("p", "s"):
                return None
            record: Pensioner | StaffUser | None = (
                get_session().get(Pensioner, int(raw_id))
                if kind == "p"
                else get_session().get(StaffUser, int(raw_id))
            )
        except (ValueError, OverflowError):
            return None
        if record is None or record.auth_epoch != int(epoch):
            return None
        if isinstance(record, StaffUser) and not record.active:
            return None
        return SessionUser(kind, record)

    @manager.unauthorized_handler
    def unauthorized():
        target = "staff.login" if request.blueprint == "staff" else "auth.login"
        if request.headers.get("HX-Request"):
            # A full redirect, not a swap of the login form into the page.
            response = current_app.response_class(status=204)
            response.headers["HX-Redirect"] = url_for(target, next=request.path)
            return response
        return redirect(url_for(target, next=request.path))


def start_session(kind: str, record: Pensioner | StaffUser) -> None:
    """Log in with a fresh session: old contents are dropped so the cookie is new."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["login_at"] = utcnow().timestamp()
    session["seen_at"] = utcnow().timestamp()
    session.permanent = True
    login_user(SessionUser(kind, record))


def end_session() -> None:
    """Forget everything in this session cookie (the account's other sessions stay)."""
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def logout() -> None:
    """End the session on the server too: every cookie issued to the account stops working."""
    from .services.auth import end_all_sessions

    if current_user.is_authenticated:
        end_all_sessions(get_session(), current_user.record)
    end_session()
