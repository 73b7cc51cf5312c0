"""g. At the agency: « Connexion » with DP + the visit code, instructions, the new selfie
(the shared page, compared with the pending one), the adviser's code, the account opened.
"""

from __future__ import annotations

from flask import request, session, url_for
from flask_babel import lazy_gettext as _l
from sqlmodel import select

from ..db import get_session
from ..errors import DomainError
from ..extensions import limiter
from ..models import Agency, Appointment, Pensioner
from ..render import render_page
from ..services import agency_enrol, booking, enrolment as enrolment_svc, notify, otp
from ..services.dp import normalise_dp
from ..services.local_time import local_date, local_today
from . import bp
from .agency import VISIT_KEY, _pensioner, _remember
from .steps import at_step, go

DONE_KEY = "agency_done"


def _login_page(status: int = 200, error=None, expired: bool = False, sent: bool = False):
    return render_page(
        "enrol/agency_visit_login.html",
        status=status,
        title=_l("Connexion à l'agence"),
        dp=normalise_dp(request.form.get("dp_number"))[:20],
        error=error,
        expired=expired,
        sent=sent,
    )


@bp.route("/agency/visit/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def agency_visit_login():
    """« Connexion » at the agency: the DP number and the code received after booking."""
    if request.method == "GET":
        return _login_page()
    db = get_session()
    dp = request.form.get("dp_number", "")
    if request.form.get("action") == "resend":
        pensioner = db.exec(
            select(Pensioner).where(Pensioner.dp_number == normalise_dp(dp))
        ).first()
        appointment = (
            booking.live_appointment(db, pensioner.id) if pensioner and pensioner.id else None
        )
        if pensioner is None or appointment is None:
            return _login_page(422, agency_enrol.NoAppointment.message)
        try:
            agency_enrol.send_visit_code(db, pensioner, appointment, request.remote_addr)
        except (DomainError, notify.NoDestination) as exc:
            return _login_page(429, exc.message, expired=True)
        return _login_page(sent=True)
    try:
        enrolment = agency_enrol.visit_login(db, dp, request.form.get("code", ""))
    except otp.CodeExpired as exc:
        return _login_page(422, exc.message, expired=True)
    except otp.CodeExhausted as exc:
        return _login_page(422, exc.message, expired=True)
    except DomainError as exc:
        return _login_page(422, exc.message)
    session.clear()
    _remember(enrolment.token)
    session[VISIT_KEY] = enrolment.id
    if enrolment.step == "booked":
        return go(url_for("enrol.agency_visit"))
    if enrolment.step == "visit_selfie":
        return go(url_for("enrol.selfie"))
    return go(url_for("enrol.agency_adviser_code"))


@bp.route("/agency/visit", methods=["GET", "POST"])
@at_step("booked", procedure="agency")
def agency_visit(enrolment):
    """The visit's instructions, then « Commencer » (the new selfie)."""
    if session.get(VISIT_KEY) != enrolment.id:
        return go(url_for("enrol.agency_visit_login"))
    db = get_session()
    if request.method == "POST":
        enrolment_svc.advance(db, enrolment, "visit_selfie")
        return go(url_for("enrol.selfie"))
    # Logged in with the code before the day (at home): the appointment can still be
    # moved or cancelled from here, the booked page's cookie may be long gone.
    appointment = db.get(Appointment, enrolment.appointment_id or 0)
    agency = db.get(Agency, appointment.agency_id) if appointment else None
    return render_page(
        "enrol/agency_visit.html",
        title=_l("À l'agence"),
        pensioner=_pensioner(enrolment),
        appointment=appointment,
        agency=agency,
        hours=booking.hours_by_weekday(db, agency.id) if agency and agency.id else {},
        before_the_day=appointment is not None
        and local_date(appointment.starts_at) > local_today(),
    )


@bp.route("/agency/visit/selfie")
@at_step("visit_selfie", procedure="agency")
def agency_visit_selfie(enrolment):
    """The visit's selfie is the shared selfie page (compared with the pending one)."""
    return go(url_for("enrol.selfie"))


@bp.route("/agency/visit/code", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
@at_step("adviser_code", procedure="agency")
def agency_adviser_code(enrolment):
    """Summary, then the adviser's verification code typed on this phone: « Confirmer »."""
    db = get_session()
    pensioner = _pensioner(enrolment)
    appointment = db.get(Appointment, enrolment.appointment_id or 0)
    error = None
    status = 200
    if request.method == "POST":
        channel = agency_enrol.channel_for(pensioner)
        try:
            agency_enrol.confirm_adviser_code(
                db, enrolment, request.form.get("code", ""), ip=request.remote_addr
            )
        except DomainError as exc:
            db.rollback()
            error, status = exc.message, 422
        else:
            session.pop(VISIT_KEY, None)
            session[DONE_KEY] = {"channel": channel, "dp": pensioner.dp_number}
            return go(url_for("enrol.agency_done"))
    return render_page(
        "enrol/agency_adviser_code.html",
        status=status,
        title=_l("Vérification par le conseiller"),
        pensioner=pensioner,
        appointment=appointment,
        agency=db.get(Agency, appointment.agency_id) if appointment else None,
        error=error,
    )


@bp.route("/agency/done")
def agency_done():
    """The account is open: the provisional password was sent; « Se connecter »."""
    done = session.get(DONE_KEY)
    if not done:
        return go(url_for("auth.login"))
    return render_page("enrol/agency_done.html", title=_l("Votre compte est ouvert"), done=done)
