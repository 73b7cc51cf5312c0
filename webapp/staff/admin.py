"""Admin pages: agencies and staff accounts."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..auth.users import staff_required
from ..db import get_session
from ..models import StaffUser
from ..render import render_page
from ..services import admin as svc
from . import bp
from .forms import AgencyForm, StaffForm


@bp.route("/admin/agencies", methods=["GET", "POST"])
@staff_required(admin=True)
def agencies():
    """List and add agencies."""
    session = get_session()
    form = AgencyForm()
    status = 200
    if form.validate_on_submit():
        try:
            svc.create_agency(
                session,
                {k: form[k].data or None for k in ("code", "name", "city", "address", "phone")},
                actor_id=current_user.id,
            )
        except svc.DuplicateEntry:
            form.code.errors = [_("Ce code existe déjà.")]
            status = 422
        else:
            flash(_("Agence ajoutée."), "success")
            return redirect(url_for("staff.agencies"))
    elif form.errors:
        status = 422
    return render_page(
        "staff/agencies.html",
        title=_l("Agences"),
        form=form,
        agencies=svc.agencies(session),
        status=status,
    )


@bp.route("/admin/staff", methods=["GET", "POST"])
@staff_required(admin=True)
def staff_accounts():
    """List and add staff accounts; the temporary password is e-mailed, never shown."""
    session = get_session()
    form = StaffForm()
    form.agency_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(a.id, f"{a.city} — {a.name}") for a in svc.agencies(session)
    ]
    status, created = 200, None
    if form.validate_on_submit():
        try:
            staff = svc.create_staff(
                session,
                {
                    "email": form.email.data,
                    "name": form.name.data,
                    "role": form.role.data,
                    "agency_id": form.agency_id.data or None,
                },
                actor_id=current_user.id,
            )
        except svc.DuplicateEntry:
            form.email.errors = [_("Cette adresse est déjà utilisée.")]
            status = 422
        else:
            created = staff
    elif form.errors:
        status = 422
    return render_page(
        "staff/staff_accounts.html",
        title=_l("Comptes du personnel"),
        form=form,
        created=created,
        accounts=svc.staff_accounts(session),
        status=status,
    )


@bp.route("/admin/staff/<int:staff_id>/active", methods=["POST"])
@staff_required(admin=True)
def staff_set_active(staff_id: int):
    """Deactivate or reactivate an account."""
    session = get_session()
    staff = session.get(StaffUser, staff_id)
    if staff is None:
        abort(404)
    try:
        svc.set_staff_active(
            session, staff, request.form.get("active") == "1", actor_id=current_user.id
        )
    except svc.CannotDeactivateSelf as exc:
        flash(str(exc.message), "error")
    return redirect(url_for("staff.staff_accounts"))
