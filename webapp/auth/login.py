"""The one login flow behind both login forms (pensioners and staff).

``login_page`` validates the form, calls the login service
(``services.auth.authenticate_pensioner`` or ``authenticate_staff``: identifier,
password, IP in; the account out, or ``InvalidCredentials`` / ``LoginThrottled``),
starts a fresh session and redirects: to the forced password change when the
account has a temporary password, else to a safe ``next`` or the home page.
A new login route (first login, agency login…) passes its own form, service
function and endpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, request, url_for
from flask_wtf import FlaskForm
from sqlmodel import Session

from ..db import get_session
from ..errors import InvalidCredentials, LoginThrottled
from ..models import Pensioner, StaffUser
from ..render import render_page, safe_next
from ..sessions import start_session

Authenticate = Callable[..., Pensioner | StaffUser]


def login_page(
    form: FlaskForm,
    authenticate: Authenticate,
    *,
    identifier_field: str,
    kind: str,
    template: str,
    title: Any,
    home: str,
    change_password: str,
) -> Any:
    """Handle GET and POST of a login form; returns the response."""
    error = None
    if form.validate_on_submit():
        session: Session = get_session()
        try:
            account = authenticate(
                session,
                form[identifier_field].data,
                form.password.data,
                ip=request.remote_addr,
            )
        except (InvalidCredentials, LoginThrottled) as exc:
            error = exc.message
        else:
            start_session(kind, account)
            if account.must_change_password:
                return redirect(url_for(change_password))
            return redirect(safe_next(request.args.get("next")) or url_for(home))
    status = 422 if (error or form.errors) else 200
    return render_page(template, title=title, form=form, error=error, status=status)
