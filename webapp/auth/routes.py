"""Pensioner login with DP number and password, logout, forced password change."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..db import get_session
from ..errors import InvalidCredentials, LoginThrottled, WrongPassword
from ..extensions import limiter, login_ip_limit
from ..render import render_page, safe_next
from ..services import auth as auth_service
from . import bp
from .forms import ChangePasswordForm, LoginForm
from .users import end_session, pensioner_required, start_session


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_ip_limit, methods=["POST"])
def login():
    """DP number + password; a growing delay after repeated failures."""
    if current_user.is_authenticated and current_user.is_pensioner:
        return redirect(url_for("space.home"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            pensioner = auth_service.authenticate_pensioner(
                get_session(), form.dp_number.data, form.password.data, ip=request.remote_addr
            )
        except (InvalidCredentials, LoginThrottled) as exc:
            error = exc.message
        else:
            start_session("p", pensioner)
            if pensioner.must_change_password:
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next(request.args.get("next")) or url_for("space.home"))
    status = 200 if error is None and not form.errors else 422
    return render_page(
        "auth/login.html", title=_l("Connexion"), form=form, error=error, status=status
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
        except WrongPassword as exc:
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
    """End the session; the page tells the service worker to drop this user's cache."""
    end_session()
    return redirect(url_for("public.index", logged_out=1))
