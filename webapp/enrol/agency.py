"""Procedure 2 (selfie + agency visit): identity, appointment, booked; the visit's login,
instructions and the adviser's code. The selfies are the shared ``/enrol/selfie`` page.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import request, session, url_for
from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from ..db import get_session
from ..errors import DomainError
from ..extensions import limiter
from ..models import Agency, Appointment, Pensioner, utcnow
from ..render import render_page
from ..services import agency_enrol, booking, enrolment as enrolment_svc, registry_match
from . import bp
from .flow import SESSION_KEY
from .steps import at_step, go

# The visit's login marks this browser as being at the agency for that enrolment.
VISIT_KEY = "agency_visit"


def _remember(token: str) -> None:
    """This browser now goes on with the enrolment of ``token``."""
    session[SESSION_KEY] = token


def _pensioner(enrolment) -> Pensioner:
    pensioner = get_session().get(Pensioner, enrolment.pensioner_id)
    assert pensioner is not None
    return pensioner


# --- b. personal data ------------------------------------------------------------------------

FIELDS = ("dp_number", "last_name", "first_name", "birth_date", "document_number")


def _identity_page(status: int = 200, errors=None, dead_end: str | None = None):
    return render_page(
        "enrol/agency_identity.html",
        status=status,
        title=_l("Vos informations"),
        form={k: (request.form.get(k) or "").strip() for k in FIELDS},
        errors=errors or {},
        dead_end=dead_end,
    )


@bp.route("/agency/identity", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
@at_step("identity", procedure="agency")
def agency_identity(enrolment):
    """DP number, names, birth date and CIN or passport number, matched with the registry."""
    if request.method == "GET":
        return _identity_page()
    form = {k: (request.form.get(k) or "").strip()[:100] for k in FIELDS}
    errors = {k: _l("Ce champ est obligatoire.") for k, v in form.items() if not v}
    birth: date | None = None
    if form["birth_date"]:
        try:
            birth = date.fromisoformat(form["birth_date"])
        except ValueError:
            errors["birth_date"] = _l("Date invalide. Exemple : 1950-03-14")
    if errors:
        return _identity_page(422, errors)
    db = get_session()
    try:
        pensioner = registry_match.find_pensioner(
            db,
            form["dp_number"],
            form["last_name"],
            form["first_name"],
            birth,
            form["document_number"],
        )
        enrolment_svc.match_pensioner(db, enrolment, pensioner)
    except registry_match.NoMatch:
        return _identity_page(422, dead_end="no_match")
    except enrolment_svc.EnrolmentInProgress:
        return _identity_page(409, dead_end="in_progress")
    except enrolment_svc.AlreadyEnrolled:
        return _identity_page(409, dead_end="already_enrolled")
    enrolment_svc.advance(db, enrolment, "selfie", code_channel=agency_enrol.channel_for(pensioner))
    return go(url_for("enrol.selfie"))


# --- e. the appointment ----------------------------------------------------------------------


def _agencies() -> list[Agency]:
    return list(
        get_session()
        .exec(select(Agency).where(col(Agency.active).is_(True)).order_by(col(Agency.city)))
        .all()
    )


def _month(value: str | None, today: date) -> tuple[int, int]:
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        if date(year, month, 1) >= date(today.year, today.month, 1):
            return year, month
    except ValueError:
        pass
    return today.year, today.month


def _appointment_page(enrolment, status: int = 200, error=None, **chosen):
    db = get_session()
    agencies = _agencies()
    agency_id = chosen.get("agency_id") or request.args.get("agency", type=int)
    agency = next((a for a in agencies if a.id == agency_id), None)
    today = utcnow().astimezone(booking.AGENCY_TZ).date()
    year, month = _month(chosen.get("month") or request.args.get("month"), today)
    listing = booking.month_slots(db, agency, year, month) if agency else None
    explicit = chosen.get("month") or request.args.get("month")
    if (
        agency
        and listing
        and not explicit
        and not any(s.free for v in listing.days.values() for s in v)
    ):
        # Late in the month: open on the next month that has a free place.
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        listing = booking.month_slots(db, agency, year, month)
    day_arg = chosen.get("day") or request.args.get("day")
    try:
        day = date.fromisoformat(day_arg) if day_arg else None
    except ValueError:
        day = None
    next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    prev_month = (year - 1, 12) if month == 1 else (year, month - 1)
    live = db.get(Appointment, enrolment.appointment_id) if enrolment.appointment_id else None
    return render_page(
        "enrol/agency_appointment.html",
        status=status,
        title=_l("Rendez-vous en agence"),
        agencies=agencies,
        agency=agency,
        hours=booking.hours_by_weekday(db, agency.id) if agency and agency.id else {},
        listing=listing,
        year=year,
        month=month,
        first_day=date(year, month, 1),
        next_month=f"{next_month[0]}-{next_month[1]:02d}",
        prev_month=f"{prev_month[0]}-{prev_month[1]:02d}"
        if date(*prev_month, 1) >= date(today.year, today.month, 1)
        else None,
        day=day,
        slots=listing.days.get(day, []) if listing and day else [],
        error=error,
        cancelled=session.pop("agency_cancelled", False),
        current=live if live and live.status == "booked" else None,
    )


@bp.route("/agency/appointment")
@at_step("appointment", procedure="agency")
def agency_appointment(enrolment):
    """Choose the agency, then a day with free places, then a time."""
    return _appointment_page(enrolment)


def _chosen() -> tuple[Agency | None, datetime | None]:
    agency = get_session().get(Agency, request.values.get("agency", type=int) or 0)
    try:
        # A "+01:00" typed or pasted in an address bar arrives as " 01:00".
        starts_at = datetime.fromisoformat(request.values.get("starts_at", "").replace(" ", "+"))
    except ValueError:
        starts_at = None
    if starts_at is not None and starts_at.tzinfo is None:
        starts_at = None
    return agency, starts_at


@bp.route("/agency/appointment/confirm", methods=["GET", "POST"])
@at_step("appointment", procedure="agency")
def agency_confirm(enrolment):
    """« Valider » shows the summary; « Je confirme » books (the database decides)."""
    agency, starts_at = _chosen()
    if agency is None or starts_at is None:
        return _appointment_page(enrolment, 422, error=booking.SlotUnavailable.message)
    back = {
        "agency_id": agency.id,
        "month": starts_at.astimezone(booking.AGENCY_TZ).strftime("%Y-%m"),
        "day": starts_at.astimezone(booking.AGENCY_TZ).date().isoformat(),
    }
    db = get_session()
    try:
        if request.method == "GET":
            booking.check_bookable(db, agency, starts_at)
            return render_page(
                "enrol/agency_confirm.html",
                title=_l("Confirmer le rendez-vous"),
                agency=agency,
                hours=booking.hours_by_weekday(db, agency.id) if agency.id else {},
                starts_at=starts_at,
                pensioner=_pensioner(enrolment),
            )
        agency_enrol.book_visit(db, enrolment, agency.id, starts_at, ip=request.remote_addr)
    except booking.BookingError as exc:
        db.rollback()
        return _appointment_page(enrolment, 409, error=exc.message, **back)
    except DomainError as exc:  # the code could not be sent (limits): booked all the same
        db.rollback()
        session["agency_code_error"] = str(exc.message)
    return go(url_for("enrol.agency_booked"))


# --- f. booked ---------------------------------------------------------------------------------


def _masked(destination: str | None) -> str:
    """``+212612345678`` → ``+212 6•••••78``; ``paul@example.fr`` → ``p•••@example.fr``."""
    if not destination:
        return ""
    if "@" in destination:
        name, _, host = destination.partition("@")
        return f"{name[:1]}•••@{host}"
    return f"{destination[:5]}•••••{destination[-2:]}"


@bp.route("/agency/booked", methods=["GET", "POST"])
@at_step("booked", procedure="agency")
def agency_booked(enrolment):
    """The appointment, the code that was sent, and moving or cancelling it."""
    db = get_session()
    action = request.form.get("action") if request.method == "POST" else None
    if action == "move":
        agency_enrol.move_visit(db, enrolment)
        return go(url_for("enrol.agency_appointment"))
    if action == "cancel":
        agency_enrol.cancel_visit(db, enrolment, ip=request.remote_addr)
        session["agency_cancelled"] = True
        return go(url_for("enrol.agency_appointment"))
    if session.get(VISIT_KEY) == enrolment.id:
        return go(url_for("enrol.agency_visit"))
    appointment = db.get(Appointment, enrolment.appointment_id or 0)
    if appointment is None or appointment.status not in ("booked", "checked_in"):
        # Cancelled or marked absent at the desk: a new appointment is needed.
        agency_enrol.move_visit(db, enrolment)
        return go(url_for("enrol.agency_appointment"))
    pensioner = _pensioner(enrolment)
    channel = agency_enrol.channel_for(pensioner)
    agency = db.get(Agency, appointment.agency_id)
    assert agency is not None and agency.id is not None
    return render_page(
        "enrol/agency_booked.html",
        title=_l("Votre rendez-vous"),
        appointment=appointment,
        agency=agency,
        hours=booking.hours_by_weekday(db, agency.id),
        channel=channel,
        destination=_masked(pensioner.email if channel == "email" else pensioner.gsm),
        code_error=session.pop("agency_code_error", None),
    )


from . import agency_visit  # noqa: E402,F401  (the visit's pages register on bp)
