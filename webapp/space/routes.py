"""Home, payments, contact details and alerts."""

import hashlib
from pathlib import Path

from flask import abort, flash, make_response, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from ..auth.users import current_pensioner, pensioner_required
from ..db import get_session
from ..errors import LoginThrottled, WrongPassword
from ..i18n import current_lang
from ..render import is_partial_request, render_page
from ..services import attestations, pensioners as svc
from . import bp
from .forms import COUNTRIES, ContactForm

# Part of the payments' ETag: a deploy that changes how they are shown renews it.
_TEMPLATES_DIGEST = hashlib.sha256(
    b"".join(
        p.read_bytes()
        for p in sorted((Path(__file__).parents[1] / "templates" / "space").glob("*payments*"))
    )
).hexdigest()[:12]


@bp.route("/")
@pensioner_required
def home():
    """The home screen: last payment, shortcuts."""
    pensioner = current_pensioner()
    latest = svc.payments(get_session(), pensioner.id, limit=1)
    return render_page(
        "space/home.html",
        title=_l("Accueil"),
        pensioner=pensioner,
        latest=latest[0] if latest else None,
    )


def _payments_etag(pensioner_id: int) -> str:
    """Who, in which language, full page or partial, and which version of the payments."""
    version = svc.payments_version(get_session(), pensioner_id)
    key = f"{pensioner_id}|{current_lang()}|{is_partial_request()}|{version}|{_TEMPLATES_DIGEST}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _not_modified(etag: str):
    """A 304 when the browser's copy is still right (revalidated by ``no-cache``)."""
    if etag in request.if_none_match:
        response = make_response("", 304)
        response.set_etag(etag)
        return response
    return None


@bp.route("/payments")
@pensioner_required
def payments():
    """ "Mes paiements de pension": by year, the last two open, older years on demand."""
    pensioner = current_pensioner()
    etag = _payments_etag(pensioner.id)
    unchanged = _not_modified(etag)
    if unchanged is not None:
        return unchanged
    response = render_page(
        "space/payments.html",
        title=_l("Mes paiements de pension"),
        years=svc.payment_years(get_session(), pensioner.id),
    )
    response.set_etag(etag)
    return response


@bp.route("/payments/<int(min=1900, max=2999):year>")
@pensioner_required
def payments_year(year: int):
    """One year's months: an htmx partial when a year is opened, a page without script."""
    pensioner = current_pensioner()
    assert pensioner.id is not None
    etag = _payments_etag(pensioner.id) + f"-{year}"
    unchanged = _not_modified(etag)
    if unchanged is not None:
        return unchanged
    months = svc.payments_of_years(get_session(), pensioner.id, {year}).get(year, [])
    if not months:
        abort(404)
    list_id = f"payments-{year}"
    if request.headers.get("HX-Target") == list_id:  # a year opened on the payments page
        response = make_response(
            render_template("space/_payments_list.html", payments=months, list_id=list_id)
        )
    else:
        response = render_page(
            "space/payments_year.html",
            title=_l("Mes paiements de pension"),
            year=year,
            payments=months,
        )
    response.set_etag(etag)
    return response


@bp.route("/alerts")
@pensioner_required
def alerts():
    """ "Mes alertes": newest first; opening the list marks them read."""
    pensioner = current_pensioner()
    session = get_session()
    items = svc.alerts(session, pensioner.id)
    unread_ids = {a.id for a in items if a.read_at is None}
    svc.mark_alerts_read(session, pensioner.id)
    return render_page(
        "space/alerts.html", title=_l("Mes alertes"), alerts=items, unread_ids=unread_ids
    )


@bp.route("/contact", methods=["GET", "POST"])
@pensioner_required
def contact():
    """ "Mes coordonnées": validated, and a new e-mail needs the password again."""
    pensioner = current_pensioner()
    form = ContactForm(obj=pensioner)
    if pensioner.country not in dict(COUNTRIES):
        form.country.choices = [
            *form.country.choices,
            SelectChoice(pensioner.country, pensioner.country),
        ]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                changed = svc.update_contact(
                    get_session(),
                    pensioner,
                    form.values(),
                    password=form.password.data,
                    ip=request.remote_addr,
                )
            except WrongPassword:
                form.password.errors = [
                    _("Mot de passe incorrect.")
                    if form.password.data
                    else _("Saisissez votre mot de passe pour changer l'e-mail.")
                ]
                status = 422
            except LoginThrottled as exc:
                form.password.errors = [exc.message]
                status = 422
            else:
                flash(
                    _("Vos coordonnées ont été enregistrées.")
                    if changed
                    else _("Aucune modification."),
                    "success",
                )
        else:
            status = 422
    return render_page("space/contact.html", title=_l("Mes coordonnées"), form=form, status=status)


@bp.app_context_processor
def space_context():
    """The unread-alert count for the shortcut bar."""
    from flask import has_request_context
    from flask_login import current_user

    # Messages rendered by jobs (notify) have no request and no user.
    if not has_request_context():
        return {"unread_alerts": 0}
    if current_user.is_authenticated and current_user.is_pensioner:
        return {
            "unread_alerts": svc.unread_count(get_session(), current_user.id),
            "attestation_years": lambda: attestations.available_years(
                get_session(), current_user.id
            ),
        }
    return {"unread_alerts": 0}
