"""Pensioner login with DP number and password, logout, forced password change."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from .. import sessions
from ..db import get_session
from ..errors import LoginThrottled, WrongPassword
from ..extensions import login_limit
from ..render import render_page
from ..services import auth as auth_service
from . import bp
from .forms import ChangePasswordForm, LoginForm
from .login import login_page
from .users import pensioner_required, start_session


@bp.route("/login", methods=["GET", "POST"])
@login_limit
def login():
    """DP number + password; a growing delay after repeated failures."""
    if current_user.is_authenticated and current_user.is_pensioner:
        return redirect(url_for("space.home"))
    return login_page(
        LoginForm(),
        auth_service.authenticate_pensioner,
        identifier_field="dp_number",
        kind="p",
        template="auth/login.html",
        title=_l("Connexion"),
        home="space.home",
        change_password="auth.change_password",
    )


@bp.route("/password", methods=["GET", "POST"])
@pensioner_required
def change_password():
    """Required after a temporary password; available any time from the menu."""
    form = ChangePasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            auth_service.change_password(
                get_session(),
                current_user.record,
                form.current.data,
                form.new.data,
                ip=request.remote_addr,
            )
        except (WrongPassword, LoginThrottled) as exc:
            form.current.errors = [exc.message]
        else:
            start_session("p", current_user.record)
            flash(_("Votre mot de passe a été changé."), "success")
            return redirect(url_for("space.home"))
    status = 422 if (form.errors or error) else 200
    return render_page(
        "auth/password.html",
        title=_l("Changer mon mot de passe"),
        form=form,
        error=error,
        status=status,
    )


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session, on the server too; the page tells the service worker to drop the cache."""
    sessions.logout()
    return redirect(url_for("public.index", logged_out=1))
