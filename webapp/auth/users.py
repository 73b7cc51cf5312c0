"""Access rules for views: pensioner-only and staff-only decorators.

The session itself (who is logged in, starting and ending it) lives in
``webapp.sessions``, below the blueprints; its names are re-exported here.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user
from sqlmodel import Session

from ..models import Pensioner
from ..sessions import SessionUser, end_session, logout, register_user_loader, start_session

__all__ = [
    "SessionUser",
    "current_pensioner",
    "end_session",
    "logout",
    "pensioner_required",
    "register_user_loader",
    "staff_required",
    "start_session",
]


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
            if (
                current_user.record.must_change_password
                and request.endpoint != "staff.change_password"
            ):
                return redirect(url_for("staff.change_password"))
            if admin and not current_user.record.is_admin:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def current_pensioner(db: Session | None = None) -> Pensioner:
    """The logged-in pensioner's row."""
    return current_user.record
