"""Who is logged in: pensioners and staff share Flask-Login but never a session.

The session stores ``p:<id>:<epoch>`` or ``s:<id>:<epoch>``; bumping the
account's ``auth_epoch`` (password change, forced logout) ends every session
opened before.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, redirect, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlmodel import Session

from ..db import get_session
from ..models import Pensioner, StaffUser, utcnow


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
    manager.session_protection = "strong"

    @manager.user_loader
    def load(user_id: str) -> SessionUser | None:
        try:
            kind, raw_id, epoch = user_id.split(":")
            model = {"p": Pensioner, "s": StaffUser}[kind]
            record = get_session().get(model, int(raw_id))
        except (ValueError, KeyError):
            return None
        if record is None or record.auth_epoch != int(epoch):
            return None
        if kind == "s" and not record.active:
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
    """Log out and forget everything in the session cookie."""
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def pensioner_required(view):
    """Only a logged-in pensioner; staff get a 403, and a pending password change comes first."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not current_user.is_pensioner:
            abort(403)
        if current_user.record.must_change_password and request.endpoint != "auth.change_password":
            return redirect(url_for("auth.change_password"))
        return view(*args, **kwargs)

    return wrapped


def staff_required(admin: bool = False):
    """Only a logged-in staff member (an admin when ``admin``)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated or not current_user.is_staff:
                return current_app.login_manager.unauthorized()
            if admin and not current_user.record.is_admin:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def current_pensioner(db: Session | None = None) -> Pensioner:
    """The logged-in pensioner's row."""
    return current_user.record
