"""Home, payments, contact details and alerts."""

import hashlib
from functools import partial
from pathlib import Path

from flask import abort, current_app, flash, make_response, render_template, request, session
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms.fields.choices import SelectChoice

from ..auth.users import current_pensioner, pensioner_required
from ..db import get_session
from ..documents import public_url
from ..errors import DomainError, LoginThrottled, WrongPassword
from ..forms import SafeForm
from ..i18n import LANG_COOKIE, current_lang
from ..render import is_partial_request, render_page
from ..services import attestations, email_change, pensioners as svc
from . import bp
from .forms import COUNTRIES, ContactForm, EmailCodeForm

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


def _contact_form(pensioner, *, posted: bool = False) -> ContactForm:
    """The form filled from the request (``posted``) or from the pensioner's record."""
    form = ContactForm(obj=pensioner) if posted else ContactForm(formdata=None, obj=pensioner)
    if pensioner.country not in dict(COUNTRIES):
        form.country.choices = [
            *form.country.choices,
            SelectChoice(pensioner.country, pensioner.country),
        ]
    return form


def _contact_page(form=None, code_form=None, *, status=200, error=None, notice=None, top=False):
    """ "Mes coordonnées" with the e-mail change waiting for its code, if any.

    ``top``: the answer starts with news (saved, a code sent, confirmed): an htmx
    swap scrolls back up to it from the button at the bottom of the form.
    """
    pensioner = current_pensioner()
    response = render_page(
        "space/contact.html",
        title=_l("Mes coordonnées"),
        form=form or _contact_form(pensioner),
        code_form=code_form or EmailCodeForm(formdata=None),
        pending=email_change.state(get_session(), pensioner),
        current_email=pensioner.email,
        code_error=error,
        code_notice=notice,
        demo=current_app.config["DEMO"] or current_app.debug,
        status=status,
    )
    if top:
        response.headers["HX-Reswap"] = "innerHTML show:window:top"
    return response


@bp.app_template_global("email_address")
def email_address(email: str) -> Markup:
    """An address kept left-to-right (Arabic pages) that may wrap after « @ » and dots:
    an address has no space, and on a 320 px phone it would push the page sideways."""
    wrapped = escape(email).replace("@", Markup("<wbr>@")).replace(".", Markup("<wbr>."))
    return Markup('<bdi dir="ltr" class="destination">%s</bdi>') % wrapped


def _confirm_url(token: str) -> str:
    # From PUBLIC_BASE_URL, never from the request's Host header (a forged Host
    # would otherwise put someone else's site in the e-mail).
    return public_url("space.email_link", token=token)


@bp.route("/contact", methods=["GET", "POST"])
@pensioner_required
def contact():
    """ "Mes coordonnées": validated; a new e-mail waits for the code sent to it."""
    pensioner = current_pensioner()
    if request.method == "GET":
        return _contact_page()
    form = _contact_form(pensioner, posted=True)
    if not form.validate_on_submit():
        return _contact_page(form, status=422)
    db = get_session()
    values = form.values()
    new_email = values.pop("email")
    try:
        outcome = email_change.start(
            db,
            pensioner,
            new_email,
            password=form.password.data,
            confirm_url=_confirm_url,
            ip=request.remote_addr,
        )
    except WrongPassword:
        form.password.errors = [
            _("Mot de passe incorrect.")
            if form.password.data
            else _("Saisissez votre mot de passe pour changer l'e-mail.")
        ]
        return _contact_page(form, status=422)
    except LoginThrottled as exc:
        form.password.errors = [exc.message]
        return _contact_page(form, status=422)
    except DomainError as exc:  # taken, too soon, daily limit
        form.email.errors = [exc.message]
        return _contact_page(form, status=422)
    changed = svc.update_contact(db, pensioner, values, password=None, ip=request.remote_addr)
    if changed or outcome == "removed":
        flash(_("Vos coordonnées ont été enregistrées."), "success")
    elif outcome is None:
        flash(_("Aucune modification."), "success")
    # The page shows the address as it is now (the new one waits for its code).
    return _contact_page(top=True)


@bp.route("/contact/email", methods=["POST"])
@pensioner_required
def email_code():
    """The e-mail change's code form: confirm, a new code, or cancel."""
    pensioner = current_pensioner()
    db = get_session()
    action = request.form.get("action")
    action = action if action in ("resend", "cancel") else "confirm"
    code_form = EmailCodeForm() if action == "confirm" else EmailCodeForm(formdata=None)
    if not code_form.validate_on_submit() and action == "confirm":
        return _contact_page(code_form=code_form, status=422)
    try:
        if action == "resend":
            email_change.resend(db, pensioner, confirm_url=_confirm_url, ip=request.remote_addr)
            return _contact_page(notice=_("Un nouveau code vient d'être envoyé."))
        if action == "cancel":
            if not email_change.cancel(db, pensioner, ip=request.remote_addr):
                raise email_change.NoPendingChange()
            flash(_("Le changement d'adresse e-mail est annulé."), "success")
            return _contact_page(top=True)
        email = email_change.confirm_code(
            db, pensioner, code_form.code.data or "", ip=request.remote_addr
        )
    except DomainError as exc:
        return _contact_page(code_form=code_form, status=422, error=exc.message)
    message = Markup.escape(_("Votre nouvelle adresse e-mail est confirmée : %(email)s."))
    flash(message % {"email": email_address(email)}, "success")
    return _contact_page(top=True)


@bp.route("/email/<token>", methods=["GET", "POST"])
def email_link(token: str):
    """The link e-mailed to a new address: a button to confirm it (no login needed)."""
    db = get_session()
    form = SafeForm()
    pensioner, email, done, error, status = None, None, False, None, 200
    try:
        if form.validate_on_submit():
            pensioner = email_change.confirm_link(db, token, ip=request.remote_addr)
            email, done = pensioner.email, True
        else:
            pensioner, email, _code_id = email_change.check_link(db, token)
    except DomainError as exc:
        error, status = exc.message, 410
    page = partial(
        render_page,
        "space/email_confirm.html",
        title=_l("Confirmer votre adresse e-mail"),
        form=form,
        token=token,
        email=email,
        done=done,
        error=error,
        status=status,
    )
    # Often opened on another device: in the language of the e-mail, unless this
    # visitor chose one (or is logged in, with their own).
    chose = current_user.is_authenticated or request.cookies.get(LANG_COOKIE) or session.get("lang")
    if pensioner is not None and not chose:
        with force_locale(pensioner.language):
            return page()
    return page()


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
