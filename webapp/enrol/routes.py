"""The shared enrolment steps: choose, terms, consents, contact, code, resume, cancel.

Routes stay thin: the rules live in ``services.enrolment`` and ``services.otp``;
``flow.step_page`` sends a visitor who is out of order to the step they are at.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, request, session, url_for
from flask_babel import get_locale, lazy_gettext as _l

from ..db import get_session
from ..extensions import limiter
from ..models import Enrolment, Pensioner
from ..render import render_page
from ..services import enrolment as enrolment_service, notify, otp
from ..services.enrolment import EnrolmentError
from ..services.otp import CodeError
from . import bp
from .flow import current_enrolment, forget, go, had_enrolment, remember, step_page, step_url
from .forms import CodeForm, ContactForm, PrivacyForm, TermsForm

PURPOSE = "enrol_contact"


@bp.app_template_global("enrol_steps")
def enrol_steps(procedure: str) -> list[str]:
    """The steps of ``procedure`` in order (for the progress line)."""
    return list(enrolment_service.steps(procedure))


def _recommend(args) -> str | None:
    """The procedure the three questions point to (None until they are answered)."""
    passport, android, agency = (args.get(k) for k in ("passport", "android", "agency"))
    if passport == "yes" and android == "yes":
        return "passport"
    if passport == "no" or android == "no":
        return "agency" if agency != "no" else "help"
    return None


@bp.route("/")
def index():
    """« S'inscrire »: the two procedures in plain words, and help to choose."""
    return render_page(
        "enrol/index.html",
        title=_l("S'inscrire"),
        enrolment=current_enrolment(),
        expired=bool(request.args.get("expired")),
        answers=request.args,
        recommended=_recommend(request.args),
    )


def _start_limit() -> str:
    return str(current_app.config["ENROL_START_LIMIT"])


@bp.route("/start/<procedure>", methods=["GET", "POST"])
@limiter.limit(_start_limit, methods=["POST"])
def start(procedure: str):
    """What the chosen procedure needs; « Commencer » opens the enrolment."""
    if procedure not in enrolment_service.PROCEDURES:
        abort(404)
    existing = current_enrolment()
    if request.method == "GET":
        return render_page(
            "enrol/start.html", title=_l("S'inscrire"), procedure=procedure, existing=existing
        )
    db = get_session()
    if existing is not None:
        if existing.procedure == procedure:
            return go(step_url(existing))
        enrolment_service.cancel(db, existing)
    enrolment = enrolment_service.start(db, procedure, request.remote_addr)
    return remember(go(url_for("enrol.terms")), enrolment)


@bp.route("/terms", methods=["GET", "POST"])
@step_page("terms")
def terms(enrolment: Enrolment):
    """The operating instructions, the CGU link, an acceptance box, « Suivant »."""
    form = TermsForm()
    if form.validate_on_submit():
        enrolment_service.record_terms(
            get_session(), enrolment, current_app.config["TERMS_VERSION"], request.remote_addr
        )
        return go(step_url(enrolment))
    return render_page(
        "enrol/terms.html",
        title=_l("Conditions d'utilisation"),
        form=form,
        enrolment=enrolment,
        status=422 if form.errors else 200,
    )


@bp.route("/privacy", methods=["GET", "POST"])
@step_page("privacy")
def privacy(enrolment: Enrolment):
    """The personal-data notice and its two consent boxes, « Commencer »."""
    form = PrivacyForm()
    if form.validate_on_submit():
        cfg = current_app.config
        enrolment_service.record_consents(
            get_session(),
            enrolment,
            cfg["TERMS_VERSION"],
            cfg["PRIVACY_VERSION"],
            request.remote_addr,
        )
        return go(step_url(enrolment))
    return render_page(
        "enrol/privacy.html",
        title=_l("Vos données personnelles"),
        form=form,
        enrolment=enrolment,
        status=422 if form.errors else 200,
    )


def _language(enrolment: Enrolment) -> str:
    """The language chosen on these pages, else the file's, else the page's."""
    pensioner = get_session().get(Pensioner, enrolment.pensioner_id or 0)
    return session.get("lang") or (pensioner.language if pensioner else None) or str(get_locale())


def _send_code(enrolment: Enrolment) -> None:
    """Issue a new contact code and queue it on the channel the procedure uses."""
    db = get_session()
    contact = (enrolment.data or {}).get("contact", {})
    channel = enrolment_service.code_channel(db, enrolment)
    destination = contact["gsm"] if channel == "sms" else contact["email"]
    code = otp.issue(
        db,
        PURPOSE,
        destination=destination,
        channel=channel,
        enrolment_id=enrolment.id,
        ip=request.remote_addr,
    )
    row = otp.last_code(db, PURPOSE, enrolment_id=enrolment.id)
    notify.notify(
        db,
        "enrol_code",
        destination=destination,
        channel=channel,
        scope=f"enrolment:{enrolment.id}:code:{row.id if row else 0}",
        language=_language(enrolment),
        code=code,
        minutes=current_app.config["OTP_TTL_MINUTES"],
    )


@bp.route("/contact", methods=["GET", "POST"])
@step_page("contact")
def contact(enrolment: Enrolment):
    """E-mail and mobile (E.164); the code goes to the one the procedure uses."""
    db = get_session()
    need = enrolment_service.code_channel(db, enrolment)
    saved = (enrolment.data or {}).get("contact", {})
    form = ContactForm(need=need, data=saved if request.method == "GET" else None)
    error = None
    if form.validate_on_submit():
        enrolment.data = {**(enrolment.data or {}), "contact": form.values()}
        db.commit()
        try:
            _send_code(enrolment)
        except otp.ResendTooSoon as exc:
            # Back from the code page with the same address: the code sent still works.
            last = otp.last_code(db, PURPOSE, enrolment_id=enrolment.id)
            if last is None or last.destination not in form.values().values():
                error = exc.message
        except CodeError as exc:
            error = exc.message
        if error is None:
            enrolment_service.advance(db, enrolment, "code")
            return go(step_url(enrolment))
    return render_page(
        "enrol/contact.html",
        title=_l("Vos coordonnées"),
        enrolment=enrolment,
        form=form,
        need=need,
        error=error,
        status=422 if (form.errors or error) else 200,
    )


@bp.route("/code", methods=["GET", "POST"])
@step_page("code")
def code(enrolment: Enrolment):
    """The 6-digit code: right → next step; wrong, expired or used up → say so, offer a new one."""
    db = get_session()
    form = CodeForm()
    error, exhausted, notice = None, False, None
    if request.method == "POST" and request.form.get("action") == "resend":
        try:
            _send_code(enrolment)
            notice = _l("Un nouveau code vient d'être envoyé.")
        except CodeError as exc:
            error = exc.message
        form = CodeForm(formdata=None)
    elif request.method == "POST" and request.form.get("action") == "change":
        enrolment_service.go_back(db, enrolment, "contact")
        return go(step_url(enrolment))
    elif form.validate_on_submit():
        typed = "".join(ch for ch in form.code.data if ch.isdigit())
        try:
            otp.verify(db, PURPOSE, typed, enrolment_id=enrolment.id)
        except (otp.CodeExpired, otp.CodeExhausted) as exc:
            error, exhausted = exc.message, True
        except CodeError as exc:
            error = exc.message
        else:
            contact = (enrolment.data or {}).get("contact", {})
            enrolment_service.code_verified(db, enrolment, typed, contact)
            return go(step_url(enrolment))
    sent = otp.last_code(db, PURPOSE, enrolment_id=enrolment.id)
    return render_page(
        "enrol/code.html",
        title=_l("Code de vérification"),
        enrolment=enrolment,
        form=form,
        error=error,
        notice=notice,
        exhausted=exhausted,
        sent=sent,
        wait=otp.seconds_before_resend(db, PURPOSE, enrolment_id=enrolment.id),
        demo=current_app.config["DEMO"] or current_app.debug,
        status=422 if (form.errors or error) else 200,
    )


@bp.route("/resume")
def resume():
    """Back to the step this browser's enrolment is at (or to « S'inscrire »)."""
    enrolment = current_enrolment()
    if enrolment is None:
        expired = had_enrolment()
        return forget(redirect(url_for("enrol.index", expired=1 if expired else None)))
    return redirect(step_url(enrolment))


@bp.route("/cancel", methods=["GET", "POST"])
def cancel():
    """Stop the enrolment (confirmation first); its photos are deleted."""
    enrolment = current_enrolment()
    if request.method == "GET":
        if enrolment is None:
            return redirect(url_for("enrol.index"))
        return render_page("enrol/cancel.html", title=_l("Abandonner l'inscription"))
    if enrolment is not None:
        enrolment_service.cancel(get_session(), enrolment)
    return forget(go(url_for("public.index", cancelled=1)))


@bp.route("/unavailable")
def unavailable():
    """A step whose page is not online yet: the agency route instead."""
    return render_page("enrol/unavailable.html", title=_l("S'inscrire"))


@bp.route("/cgu")
def cgu():
    """The terms of use (readable any time, linked from the terms step and the footer)."""
    return render_page("enrol/cgu.html", title=_l("Conditions générales d'utilisation"))


@bp.route("/privacy-notice")
def privacy_notice():
    """The personal-data notice in full (law 09-08)."""
    return render_page("enrol/privacy_notice.html", title=_l("Protection des données"))


@bp.errorhandler(EnrolmentError)
def enrolment_error(exc: EnrolmentError):
    """A refused move: say why, and offer to resume or start again."""
    return render_page(
        "enrol/problem.html", title=_l("S'inscrire"), message=exc.message, status=409
    )
