"""The agency desk: an agency's appointments of a day, check-in, no-show, the identity check.

Every action is audited with the adviser and the agency. An adviser only ever
reaches the appointments of their own agency (``for_staff`` raises
``NotFound`` otherwise, so another agency's bookings are not even confirmed to
exist).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from ..errors import DomainError, NotFound
from ..models import Agency, Appointment, AuditEvent, Pensioner, StaffUser, utcnow
from ..models.booking import AppointmentStatus
from . import audit, booking
from .booking import AGENCY_TZ

DOCUMENT_TYPES = ("cin", "passport")


class DocumentMismatch(DomainError):
    message = _l(
        "Le numéro saisi ne correspond pas à celui du dossier. Vérifiez la pièce et le numéro."
    )


class DocumentMissing(DomainError):
    message = _l("Ce type de pièce n'est pas enregistré dans le dossier. Choisissez l'autre pièce.")


class IdentityNotChecked(DomainError):
    message = _l("Vérifiez d'abord la pièce d'identité de l'allocataire.")


class NotYetDue(DomainError):
    message = _l("Le rendez-vous n'a pas encore commencé : l'absence ne peut pas être notée.")


def agency_of(staff: StaffUser, requested: int | None = None) -> int | None:
    """The agency whose desk the adviser sees: their own (an admin may pick one)."""
    if staff.is_admin and requested:
        return requested
    return staff.agency_id


def day_list(session: Session, agency_id: int, day: date) -> list[tuple[Appointment, Pensioner]]:
    """The agency's appointments of ``day`` (local), by time, with their pensioners."""
    lo = datetime.combine(day, time(0), AGENCY_TZ)
    hi = lo + timedelta(days=1)
    rows = session.exec(
        select(Appointment, Pensioner)
        .join(Pensioner, col(Pensioner.id) == Appointment.pensioner_id)
        .where(
            Appointment.agency_id == agency_id,
            col(Appointment.starts_at) >= lo,
            col(Appointment.starts_at) < hi,
        )
        .order_by(col(Appointment.starts_at), col(Pensioner.last_name))
    ).all()
    return [(a, p) for a, p in rows]


def for_staff(session: Session, staff: StaffUser, appointment_id: int) -> Appointment:
    """The appointment if it belongs to the adviser's agency (admins: any)."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or (not staff.is_admin and appointment.agency_id != staff.agency_id):
        raise NotFound()
    return appointment


def _audit(
    session: Session, action: str, staff: StaffUser, appointment: Appointment, ip: str | None, **kw
) -> AuditEvent:
    return audit.record(
        session,
        action,
        actor_type="staff",
        actor_id=staff.id,
        target_type="pensioner",
        target_id=appointment.pensioner_id,
        ip=ip,
        appointment_id=appointment.id,
        agency_id=appointment.agency_id,
        staff_name=staff.name,
        **kw,
    )


def check_in(session: Session, staff: StaffUser, appointment_id: int, ip: str | None = None):
    """The pensioner is at the desk."""
    for_staff(session, staff, appointment_id)  # another agency's: NotFound
    done = booking.set_status(
        session, appointment_id, AppointmentStatus.CHECKED_IN, staff_id=staff.id, commit=False
    )
    _audit(session, "appointment_checked_in", staff, done, ip)
    session.commit()
    return done


def no_show(
    session: Session,
    staff: StaffUser,
    appointment_id: int,
    ip: str | None = None,
    now: datetime | None = None,
):
    """The pensioner did not come (only once the appointment's time has passed)."""
    appointment = for_staff(session, staff, appointment_id)
    if appointment.starts_at > (now or utcnow()):
        raise NotYetDue()
    done = booking.set_status(
        session, appointment_id, AppointmentStatus.NO_SHOW, staff_id=staff.id, commit=False
    )
    _audit(session, "appointment_no_show", staff, done, ip)
    session.commit()
    return done


def cancel(session: Session, staff: StaffUser, appointment_id: int, ip: str | None = None):
    """Cancel on the pensioner's behalf (e.g. on the phone); the place is free again."""
    for_staff(session, staff, appointment_id)  # another agency's: NotFound
    done = booking.set_status(
        session,
        appointment_id,
        AppointmentStatus.CANCELLED,
        from_=(AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN),
        staff_id=staff.id,
        commit=False,
    )
    _audit(session, "appointment_cancelled", staff, done, ip)
    session.commit()
    return done


def move(
    session: Session,
    staff: StaffUser,
    appointment_id: int,
    starts_at: datetime,
    ip: str | None = None,
    now: datetime | None = None,
):
    """Move to another slot of the same agency (the booking rules apply)."""
    appointment = for_staff(session, staff, appointment_id)
    before = appointment.starts_at
    moved = booking.move(session, appointment_id, starts_at, now=now, commit=False)
    _audit(
        session,
        "appointment_moved",
        staff,
        moved,
        ip,
        before=before.isoformat(),
        after=starts_at.isoformat(),
    )
    session.commit()
    return moved


def normalise_document(number: str) -> str:
    """Upper case, without spaces, dashes or dots: ``ab 123-456`` → ``AB123456``."""
    return re.sub(r"[\s\-./]", "", number or "").upper()


def check_identity(
    session: Session,
    staff: StaffUser,
    appointment_id: int,
    document_type: str,
    number: str,
    ip: str | None = None,
) -> Appointment:
    """The document typed by the adviser must be the registry's; a wrong one is refused."""
    appointment = for_staff(session, staff, appointment_id)
    if appointment.status != AppointmentStatus.CHECKED_IN.value:
        raise booking.AppointmentClosed()
    pensioner = session.get(Pensioner, appointment.pensioner_id)
    assert pensioner is not None
    expected = pensioner.id_number if document_type == "cin" else pensioner.passport_number
    if document_type not in DOCUMENT_TYPES or not expected:
        raise DocumentMissing()
    ok = normalise_document(number) == normalise_document(expected)
    _audit(
        session,
        "appointment_identity_checked" if ok else "appointment_identity_refused",
        staff,
        appointment,
        ip,
        document_type=document_type,
    )
    if not ok:
        session.commit()
        raise DocumentMismatch()
    appointment.identity_checked_at = utcnow()
    appointment.identity_checked_by = staff.id
    appointment.updated_at = utcnow()
    session.add(appointment)
    session.commit()
    return appointment


def agency_name(session: Session, agency_id: int | None) -> str:
    """The agency's name (for the desk's title)."""
    agency = session.get(Agency, agency_id) if agency_id else None
    return agency.name if agency else ""
