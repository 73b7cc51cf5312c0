"""The agency desk: the day's appointments, check-in, no-show, move, cancel, identity check."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import abort, make_response, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.users import staff_required
from ..db import get_session
from ..errors import DomainError, NotFound
from ..models import Agency, Pensioner, utcnow
from ..render import render_page
from ..services import agency_enrol, appointments as desk, booking
from . import bp


def _staff():
    return current_user.record


def _day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else utcnow().astimezone(booking.AGENCY_TZ).date()
    except ValueError:
        return utcnow().astimezone(booking.AGENCY_TZ).date()


@bp.route("/appointments")
@staff_required()
def appointments():
    """The agency's appointments of one day (today by default)."""
    session = get_session()
    agency_id = desk.agency_of(_staff(), request.args.get("agency", type=int))
    day = _day(request.args.get("day"))
    rows = desk.day_list(session, agency_id, day) if agency_id else []
    return render_page(
        "staff/appointments.html",
        title=_l("Rendez-vous de l'agence"),
        rows=rows,
        day=day,
        prev_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        agency=session.get(Agency, agency_id) if agency_id else None,
    )


def _free_slots(agency: Agency, after: datetime, limit: int = 40) -> list[booking.Slot]:
    """The next free slots of the agency (this month and the next)."""
    session = get_session()
    local = after.astimezone(booking.AGENCY_TZ)
    out: list[booking.Slot] = []
    year, month = local.year, local.month
    for _ in range(2):
        listing = booking.month_slots(session, agency, year, month)
        out += [s for d in sorted(listing.days) for s in listing.days[d] if s.free > 0]
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out[:limit]


def _page(appointment_id: int, error=None, field: str | None = None, status: int = 200, **extra):
    session = get_session()
    try:
        appointment = desk.for_staff(session, _staff(), appointment_id)
    except NotFound:
        abort(404)
    agency = session.get(Agency, appointment.agency_id)
    assert agency is not None
    enrolment = agency_enrol.enrolment_of(session, appointment)
    if enrolment is not None and enrolment.reference_photo and "pending_photo" not in extra:
        extra["pending_photo"] = url_for("staff.appointment_photo", appointment_id=appointment_id)
    return render_page(
        "staff/appointment.html",
        status=status,
        title=_l("Rendez-vous"),
        a=appointment,
        p=session.get(Pensioner, appointment.pensioner_id),
        agency=agency,
        free=_free_slots(agency, utcnow()) if appointment.status == "booked" else [],
        local_day=appointment.starts_at.astimezone(booking.AGENCY_TZ).date(),
        pending_photo=extra.pop("pending_photo", None),
        code_minutes=agency_enrol.ADVISER_CODE_MINUTES,
        error=error,
        error_field=field,
        form=request.form,
        **extra,
    )


@bp.route("/appointments/<int:appointment_id>")
@staff_required()
def appointment(appointment_id: int):
    """One appointment: the pensioner, the identity check list and the actions."""
    return _page(appointment_id)


@bp.route("/appointments/<int:appointment_id>/photo")
@staff_required()
def appointment_photo(appointment_id: int):
    """The pensioner's home selfie (one frame), for the identity check; never cached."""
    try:
        photo = agency_enrol.pending_photo(
            get_session(), _staff(), appointment_id, request.remote_addr
        )
    except NotFound:
        abort(404)
    if photo is None:
        abort(404)
    response = make_response(photo)
    response.headers["Content-Type"] = "image/webp" if photo[8:12] == b"WEBP" else "image/jpeg"
    response.headers["Cache-Control"] = "no-store"
    return response


ACTIONS = {
    "check_in": lambda s, st, aid, ip: desk.check_in(s, st, aid, ip),
    "no_show": lambda s, st, aid, ip: desk.no_show(s, st, aid, ip),
    "cancel": lambda s, st, aid, ip: desk.cancel(s, st, aid, ip),
}


@bp.route("/appointments/<int:appointment_id>/<action>", methods=["POST"])
@staff_required()
def appointment_action(appointment_id: int, action: str):
    """Check-in, no-show, cancel, move, or check the identity document."""
    session = get_session()
    staff, ip = _staff(), request.remote_addr
    try:
        if action in ACTIONS:
            ACTIONS[action](session, staff, appointment_id, ip)
        elif action == "move":
            try:
                starts_at = datetime.fromisoformat(request.form.get("starts_at", ""))
            except ValueError:
                raise booking.SlotUnavailable() from None
            if starts_at.tzinfo is None:
                raise booking.SlotUnavailable()
            desk.move(session, staff, appointment_id, starts_at, ip)
        elif action == "code":
            code = agency_enrol.issue_adviser_code(session, staff, appointment_id, ip)
            return _page(appointment_id, adviser_code=code)
        elif action == "identity":
            desk.check_identity(
                session,
                staff,
                appointment_id,
                request.form.get("document_type", ""),
                request.form.get("document_number", ""),
                ip,
            )
        else:
            abort(404)
    except NotFound:
        abort(404)
    except DomainError as exc:
        session.rollback()
        return _page(appointment_id, error=exc.message, field=action, status=422)
    return redirect(url_for("staff.appointment", appointment_id=appointment_id))
