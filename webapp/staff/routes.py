"""Staff login and pensioner search. Every action is audited."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from .. import sessions
from ..auth.forms import ChangePasswordForm, StaffLoginForm
from ..auth.login import login_page
from ..auth.users import staff_required, start_session
from ..db import get_session
from ..errors import LoginThrottled, WrongPassword
from ..extensions import login_limit
from ..render import render_page
from ..services import audit, auth as auth_service, staff as svc
from . import bp


def log_action(action: str, **kwargs) -> None:
    """Audit a staff action (committed with the request's work)."""
    audit.record(
        get_session(),
        action,
        actor_type="staff",
        actor_id=current_user.id,
        ip=request.remote_addr,
        **kwargs,
    )
    get_session().commit()


@bp.route("/login", methods=["GET", "POST"])
@login_limit
def login():
    """E-mail + password; a pensioner session is ended, never shared."""
    return login_page(
        StaffLoginForm(),
        auth_service.authenticate_staff,
        identifier_field="email",
        kind="s",
        template="staff/login.html",
        title=_l("Espace conseillers"),
        home="staff.search",
        change_password="staff.change_password",
    )


@bp.route("/password", methods=["GET", "POST"])
@staff_required()
def change_password():
    """Required after an admin-created account's first login; available any time."""
    form = ChangePasswordForm()
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
            start_session("s", current_user.record)
            flash(_("Votre mot de passe a été changé."), "success")
            return redirect(url_for("staff.search"))
    return render_page(
        "staff/password.html",
        title=_l("Changer mon mot de passe"),
        form=form,
        status=422 if form.errors else 200,
    )


@bp.route("/logout", methods=["POST"])
def logout():
    """End the staff session."""
    if current_user.is_authenticated and current_user.is_staff:
        log_action("staff_logout")
    sessions.logout()
    return redirect(url_for("staff.login"))


@bp.route("/")
@staff_required()
def search():
    """Search by DP number, name, passport or national ID number."""
    query = request.args.get("q", "").strip()[:100]
    results = svc.search_pensioners(get_session(), query) if query else []
    if query:
        log_action("staff_search", query=query, results=len(results))
    return render_page(
        "staff/search.html", title=_l("Rechercher un allocataire"), query=query, results=results
    )
