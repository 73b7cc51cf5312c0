"""Procedure 2 (selfie + agency visit): the parts that are not shared with procedure 1.

    book_visit(db, enrolment, agency_id, starts_at, ip=None) -> Appointment
    cancel_visit(db, enrolment) -> None
    send_visit_code(db, pensioner, appointment, ip=None)                   # the login code
    visit_login(db, dp, code, ip=None) -> Enrolment                        # at the agency
    issue_adviser_code(db, staff, appointment_id, ip=None) -> str          # staff desk
    confirm_adviser_code(db, enrolment, code, ip=None) -> Pensioner        # account opened
    send_reminders(db, now=None) -> int                                    # the day before

Codes go by SMS to residents of Morocco, by e-mail to residents abroad (the
contact proven at the ``code`` step). The visit code is valid until the end
of the appointment's day; the adviser's code a few minutes, bound to the
appointment and the pensioner. Matching the typed identity with the registry is
in :mod:`.registry_match`; the .ics and the code channel in :mod:`.agency_calendar`.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from ..errors import DomainError
from ..models import (
    AccountStatus,
    Agency,
    Appointment,
    Enrolment,
    EnrolmentStatus,
    OneTimeCode,
    Pensioner,
    StaffUser,
    utcnow,
)
from ..models.booking import AppointmentStatus
from . import audit, booking, enrolment as enrol_svc, notify, otp
from .agency_calendar import channel_for, end_of_day, ics
from .appointments import IdentityNotChecked, for_staff
from .booking import AGENCY_TZ
from .dp import normalise_dp

VISIT_CODE = "agency_login"
ADVISER_CODE = "adviser_verify"
ADVISER_CODE_MINUTES = 5
# After the appointment the enrolment stays resumable this long (a second visit).
BOOKED_GRACE = timedelta(days=7)


class NoAppointment(DomainError):
    message = _l("Aucun rendez-vous en cours pour ce dossier. Prenez rendez-vous en ligne.")


class VisitNotReady(DomainError):
    message = _l("Faites d'abord le selfie à l'agence, puis demandez le code au conseiller.")


def _send(
    db: Session, kind: str, pensioner: Pensioner, appointment: Appointment, scope: str, **params
):
    from flask import current_app

    agency = db.get(Agency, appointment.agency_id)
    assert agency is not None
    channel = channel_for(pensioner)
    if channel == "email":
        fund = current_app.config["FUND_NAME"]
        params["attachments"] = [
            ("rendez-vous.ics", "text/calendar", ics(appointment, agency, fund))
        ]
    return notify.notify(
        db,
        kind,
        pensioner=pensioner,
        channel=channel,
        scope=scope,
        agency=agency,
        appointment=appointment,
        local_start=appointment.starts_at.astimezone(AGENCY_TZ),
        **params,
    )


def send_visit_code(
    db: Session, pensioner: Pensioner, appointment: Appointment, ip: str | None = None
) -> str:
    """A code to log in at the agency (valid until the end of the appointment's day)."""
    assert pensioner.id is not None and appointment.id is not None
    channel = channel_for(pensioner)
    destination = pensioner.email if channel == "email" else pensioner.gsm
    if not destination:
        raise notify.NoDestination()
    now = utcnow()
    code = otp.issue(
        db,
        VISIT_CODE,
        destination=destination,
        channel=channel,
        pensioner_id=pensioner.id,
        appointment_id=appointment.id,
        ip=ip,
        ttl=end_of_day(appointment.starts_at) - now,
        now=now,
    )
    # One message per code: the code row's id makes the notification's scope.
    code_id = db.exec(
        select(OneTimeCode.id)
        .where(
            OneTimeCode.purpose == VISIT_CODE,
            OneTimeCode.pensioner_id == pensioner.id,
            OneTimeCode.appointment_id == appointment.id,
        )
        .order_by(col(OneTimeCode.id).desc())
    ).first()
    _send(
        db,
        "agency_visit_code",
        pensioner,
        appointment,
        f"appointment:{appointment.id}:code:{code_id}",
        code=code,
    )
    return code


def book_visit(
    db: Session,
    enrolment: Enrolment,
    agency_id: int,
    starts_at: datetime,
    *,
    ip: str | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book (or move) the enrolment's appointment, move to ``booked``, send the visit code."""
    assert enrolment.pensioner_id is not None
    live = booking.live_appointment(db, enrolment.pensioner_id)
    if live is not None and live.id is not None:
        appointment = booking.move(db, live.id, starts_at, agency_id=agency_id, now=now)
    else:
        appointment = booking.book(
            db,
            agency_id=agency_id,
            pensioner_id=enrolment.pensioner_id,
            starts_at=starts_at,
            now=now,
        )
    pensioner = db.get(Pensioner, enrolment.pensioner_id)
    assert pensioner is not None
    if pensioner.account_status == AccountStatus.NOT_ENROLLED.value:
        pensioner.account_status = AccountStatus.INACTIVE.value
    enrolment.appointment_id = appointment.id
    audit.record(
        db,
        "appointment_booked",
        actor_type="pensioner",
        actor_id=pensioner.id,
        target_type="pensioner",
        target_id=pensioner.id,
        ip=ip,
        appointment_id=appointment.id,
        agency_id=appointment.agency_id,
        starts_at=appointment.starts_at.isoformat(),
    )
    enrol_svc.advance(db, enrolment, "booked", expires_at=appointment.starts_at + BOOKED_GRACE)
    send_visit_code(db, pensioner, appointment, ip)
    return appointment


def move_visit(db: Session, enrolment: Enrolment) -> None:
    """Back to choosing a slot (the appointment is kept until a new one is confirmed)."""
    enrol_svc.go_back(db, enrolment, "appointment")


def cancel_visit(db: Session, enrolment: Enrolment, ip: str | None = None) -> None:
    """Cancel the appointment (its place is freed); the pensioner may book another."""
    if enrolment.appointment_id is not None:
        appointment = db.get(Appointment, enrolment.appointment_id)
        if appointment is not None and appointment.status == AppointmentStatus.BOOKED.value:
            booking.cancel(db, appointment.id)  # type: ignore[arg-type]
            audit.record(
                db,
                "appointment_cancelled",
                actor_type="pensioner",
                actor_id=enrolment.pensioner_id,
                target_type="pensioner",
                target_id=enrolment.pensioner_id,
                ip=ip,
                appointment_id=appointment.id,
                agency_id=appointment.agency_id,
            )
        enrolment.appointment_id = None
    enrol_svc.go_back(db, enrolment, "appointment")


def visit_login(db: Session, dp: str, code: str, *, now: datetime | None = None) -> Enrolment:
    """DP number + the visit code: the pensioner's booked enrolment (account still inactive)."""
    pensioner = db.exec(select(Pensioner).where(Pensioner.dp_number == normalise_dp(dp))).first()
    appointment = booking.live_appointment(db, pensioner.id) if pensioner and pensioner.id else None
    if pensioner is None or appointment is None:
        raise NoAppointment()
    otp.verify(
        db, VISIT_CODE, code, pensioner_id=pensioner.id, appointment_id=appointment.id, now=now
    )
    enrolment = db.exec(
        select(Enrolment).where(
            Enrolment.pensioner_id == pensioner.id,
            Enrolment.status == EnrolmentStatus.ACTIVE.value,
            Enrolment.procedure == "agency",
        )
    ).first()
    if enrolment is None:
        raise NoAppointment()
    audit.record(
        db,
        "agency_visit_login",
        actor_type="pensioner",
        actor_id=pensioner.id,
        target_type="pensioner",
        target_id=pensioner.id,
        appointment_id=appointment.id,
    )
    db.commit()
    return enrolment


def issue_adviser_code(
    db: Session, staff: StaffUser, appointment_id: int, ip: str | None = None
) -> str:
    """The verification code the adviser types on the pensioner's phone (shown once)."""
    appointment = for_staff(db, staff, appointment_id)
    if (
        appointment.status != AppointmentStatus.CHECKED_IN.value
        or appointment.identity_checked_at is None
    ):
        raise IdentityNotChecked()
    code = otp.issue(
        db,
        ADVISER_CODE,
        destination=f"staff:{staff.id}",
        channel="desk",
        pensioner_id=appointment.pensioner_id,
        appointment_id=appointment.id,
        ip=ip,
        ttl=timedelta(minutes=ADVISER_CODE_MINUTES),
    )
    audit.record(
        db,
        "appointment_code_issued",
        actor_type="staff",
        actor_id=staff.id,
        target_type="pensioner",
        target_id=appointment.pensioner_id,
        ip=ip,
        appointment_id=appointment.id,
        agency_id=appointment.agency_id,
        staff_name=staff.name,
    )
    db.commit()
    return code


def _provisional_password() -> str:
    """Ten characters, letters and digits, easy to type from an SMS (no 0/O, 1/l/I)."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
    while True:
        word = "".join(secrets.choice(alphabet) for _ in range(10))
        if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
            return word


def confirm_adviser_code(
    db: Session, enrolment: Enrolment, code: str, *, ip: str | None = None
) -> Pensioner:
    """The adviser's code is right: the account opens; a provisional password is sent."""
    if enrolment.step != "adviser_code" or enrolment.appointment_id is None:
        raise VisitNotReady()
    assert enrolment.pensioner_id is not None
    otp.verify(
        db,
        ADVISER_CODE,
        code,
        pensioner_id=enrolment.pensioner_id,
        appointment_id=enrolment.appointment_id,
    )
    password = _provisional_password()
    appointment_id = enrolment.appointment_id
    pensioner = enrol_svc.activate(db, enrolment, password, ip=ip)
    appointment = booking.set_status(
        db, appointment_id, AppointmentStatus.DONE, from_=(AppointmentStatus.CHECKED_IN,)
    )
    _send(
        db,
        "agency_password",
        pensioner,
        appointment,
        f"appointment:{appointment_id}:password",
        password=password,
    )
    return pensioner


def send_reminders(db: Session, now: datetime | None = None) -> int:
    """Remind the pensioners whose appointment is tomorrow (local); each exactly once."""
    from sqlalchemy import update

    now = now or utcnow()
    tomorrow = now.astimezone(AGENCY_TZ).date() + timedelta(days=1)
    lo = datetime.combine(tomorrow, time(0), AGENCY_TZ)
    hi = lo + timedelta(days=1)
    due = db.exec(
        select(Appointment).where(
            Appointment.status == AppointmentStatus.BOOKED.value,
            col(Appointment.reminded_at).is_(None),
            col(Appointment.starts_at) >= lo,
            col(Appointment.starts_at) < hi,
        )
    ).all()
    sent = 0
    table = Appointment.__table__  # type: ignore[attr-defined]
    for appointment in due:
        claimed = db.execute(
            update(table)
            .where(table.c.id == appointment.id, table.c.reminded_at.is_(None))
            .values(reminded_at=now)
            .returning(table.c.id)
        ).scalar()
        db.commit()
        if claimed is None:
            continue  # another run took it
        pensioner = db.get(Pensioner, appointment.pensioner_id)
        if pensioner is None:
            continue
        try:
            _send(
                db,
                "appointment_reminder",
                pensioner,
                appointment,
                f"appointment:{appointment.id}:reminder",
            )
            sent += 1
        except notify.NoDestination:
            continue
    return sent


def enrolment_of(db: Session, appointment: Appointment) -> Enrolment | None:
    """The active agency enrolment this appointment was booked for, if any."""
    return db.exec(
        select(Enrolment).where(
            Enrolment.appointment_id == appointment.id,
            Enrolment.status == EnrolmentStatus.ACTIVE.value,
            Enrolment.procedure == "agency",
        )
    ).first()


def pending_photo(
    db: Session, staff: StaffUser, appointment_id: int, ip: str | None = None
) -> bytes | None:
    """The home selfie's frame for the adviser's identity check (audited), or None."""
    from . import enrol_selfie

    appointment = for_staff(db, staff, appointment_id)
    enrolment = enrolment_of(db, appointment)
    if enrolment is None or not enrolment.reference_photo:
        return None
    try:
        photo = enrol_selfie.open_photo(enrolment)
    except enrol_selfie.SelfieError:
        return None
    audit.record(
        db,
        "appointment_photo_viewed",
        actor_type="staff",
        actor_id=staff.id,
        target_type="pensioner",
        target_id=appointment.pensioner_id,
        ip=ip,
        appointment_id=appointment.id,
        agency_id=appointment.agency_id,
        staff_name=staff.name,
    )
    db.commit()
    return photo
