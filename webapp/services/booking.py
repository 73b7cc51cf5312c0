"""Agency appointments: free slots of a month; book, move and cancel a visit.

The rules, in the order they are checked: a slot in the past (``SlotInPast``),
on a day the agency is closed — weekday without opening hours, public holiday,
agency closure — (``DayClosed``), sooner than the agency's minimum lead time
(``TooSoon``), at a time that is not one of the agency's slots
(``SlotUnavailable``), full (``SlotFull``).

The last place of a slot is taken by ONE statement, an upsert whose update
branch only fires while ``taken < capacity``::

    INSERT INTO appointment_slot (agency_id, starts_at, capacity, taken) VALUES (.., 1)
    ON CONFLICT (agency_id, starts_at)
    DO UPDATE SET taken = appointment_slot.taken + 1 WHERE appointment_slot.taken < capacity
    RETURNING id

PostgreSQL locks the slot row, so of two concurrent bookings of the last place
the second re-reads ``taken`` after the first commits and gets no row back;
a CHECK constraint (``taken <= capacity``) backs it. Opening hours are local
(Africa/Casablanca) times; ``starts_at`` is stored in UTC.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..models import Agency, Appointment, AppointmentSlot, ClosedDay, OpeningHours, utcnow
from ..models.booking import AppointmentStatus
from .booking_errors import (  # re-exported: callers catch booking.SlotFull etc.
    AlreadyBooked as AlreadyBooked,
    AppointmentClosed as AppointmentClosed,
    BookingError as BookingError,
    DayClosed as DayClosed,
    SlotFull as SlotFull,
    SlotInPast as SlotInPast,
    SlotUnavailable as SlotUnavailable,
    TooSoon as TooSoon,
)
from .local_time import LOCAL_TZ

AGENCY_TZ = LOCAL_TZ  # agencies keep the fund's time
# A typical Moroccan agency: Monday to Friday, 8:30-12:30 and 13:30-16:30.
DEFAULT_HOURS = [(d, time(8, 30), time(12, 30)) for d in range(5)] + [
    (d, time(13, 30), time(16, 30)) for d in range(5)
]


@dataclass(frozen=True)
class Slot:
    """One bookable time of an agency and how many places are left."""

    starts_at: datetime  # UTC
    capacity: int
    taken: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)

    @property
    def local(self) -> datetime:
        return self.starts_at.astimezone(AGENCY_TZ)


@dataclass(frozen=True)
class MonthSlots:
    """A month of an agency: bookable slots per open day, and why other days are closed."""

    year: int
    month: int
    days: dict[date, list[Slot]]
    closed: dict[date, str]


# ---------------------------------------------------------------- schedule


def set_hours(session: Session, agency_id: int, periods: Iterable[tuple[int, time, time]]) -> None:
    """Replace an agency's opening hours by ``(weekday, opens, closes)`` periods."""
    for row in session.exec(select(OpeningHours).where(OpeningHours.agency_id == agency_id)):
        session.delete(row)
    session.flush()
    for weekday, opens, closes in periods:
        session.add(OpeningHours(agency_id=agency_id, weekday=weekday, opens=opens, closes=closes))
    session.commit()


def hours_by_weekday(session: Session, agency_id: int) -> dict[int, list[tuple[time, time]]]:
    """Opening periods per weekday (0 = Monday), sorted."""
    rows = session.exec(
        select(OpeningHours)
        .where(OpeningHours.agency_id == agency_id)
        .order_by(col(OpeningHours.weekday), col(OpeningHours.opens))
    )
    out: dict[int, list[tuple[time, time]]] = {}
    for row in rows:
        out.setdefault(row.weekday, []).append((row.opens, row.closes))
    return out


def add_closed_day(session: Session, day: date, label: str, agency_id: int | None = None) -> bool:
    """Close ``day`` for one agency or (``agency_id=None``) all; False if already closed."""
    exists = session.exec(
        select(ClosedDay).where(
            ClosedDay.day == day,
            ClosedDay.agency_id == agency_id
            if agency_id is not None
            else col(ClosedDay.agency_id).is_(None),
        )
    ).first()
    if exists:
        return False
    session.add(ClosedDay(day=day, label=label, agency_id=agency_id))
    session.commit()
    return True


def seed_public_holidays(session: Session, years: Iterable[int], estimated: bool = False) -> int:
    """Add Morocco's public holidays of ``years`` (from the ``holidays`` package).

    Fixed holidays only by default: the Islamic ones follow the moon sighting and
    are announced a few days before, so an operator adds them when known
    (``flask booking close-day``), or passes ``estimated=True``.
    """
    import holidays

    added = 0
    for year in years:
        labels = holidays.country_holidays("MA", years=year, language="fr")
        english = holidays.country_holidays("MA", years=year, language="en_US")
        for day, label in sorted(labels.items()):
            if not estimated and "estimated" in english.get(day, ""):
                if ";" not in label:
                    continue
                label = label.split(";")[0].strip()
            added += add_closed_day(session, day, label[:100])
    return added


def closed_days(session: Session, agency_id: int, first: date, last: date) -> dict[date, str]:
    """Public holidays and this agency's closures between ``first`` and ``last``."""
    rows = session.exec(
        select(ClosedDay).where(
            col(ClosedDay.day).between(first, last),
            (col(ClosedDay.agency_id).is_(None)) | (ClosedDay.agency_id == agency_id),
        )
    )
    return {row.day: row.label for row in rows}


def _starts_of_day(agency: Agency, day: date, periods: list[tuple[time, time]]) -> list[datetime]:
    """The UTC start of every slot of ``day`` (a slot must end by closing time)."""
    step = timedelta(minutes=agency.slot_minutes)
    starts = []
    for opens, closes in periods:
        at = datetime.combine(day, opens, AGENCY_TZ)
        end = datetime.combine(day, closes, AGENCY_TZ)
        while at + step <= end:
            starts.append(at.astimezone(ZoneInfo("UTC")))
            at += step
    return starts


def month_slots(
    session: Session, agency: Agency, year: int, month: int, now: datetime | None = None
) -> MonthSlots:
    """The slots of a month still bookable now (past the lead time), with places left.

    Three queries whatever the number of appointments: hours, closed days, and
    the month's slot rows (one per booked time, through the unique index).
    """
    assert agency.id is not None
    now = now or utcnow()
    earliest = now + timedelta(hours=agency.min_lead_hours)
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    hours = hours_by_weekday(session, agency.id)
    closed = closed_days(session, agency.id, first, last)
    lo = datetime.combine(first, time(0), AGENCY_TZ)
    hi = datetime.combine(last + timedelta(days=1), time(0), AGENCY_TZ)
    taken = {
        starts: (capacity, used)
        for starts, capacity, used in session.exec(
            select(
                AppointmentSlot.starts_at, AppointmentSlot.capacity, AppointmentSlot.taken
            ).where(
                AppointmentSlot.agency_id == agency.id,
                col(AppointmentSlot.starts_at) >= lo,
                col(AppointmentSlot.starts_at) < hi,
            )
        )
    }
    days: dict[date, list[Slot]] = {}
    day = first
    while day <= last:
        periods = hours.get(day.weekday())
        if periods and day not in closed:
            slots = []
            for starts in _starts_of_day(agency, day, periods):
                if starts < earliest:
                    continue
                capacity, used = taken.get(starts, (agency.slot_capacity, 0))
                slots.append(Slot(starts, capacity, used))
            if slots:
                days[day] = slots
        day += timedelta(days=1)
    return MonthSlots(year, month, days, closed)


def check_bookable(
    session: Session, agency: Agency, starts_at: datetime, now: datetime | None = None
) -> None:
    """Raise the named error of the first rule ``starts_at`` breaks (capacity aside)."""
    assert agency.id is not None
    now = now or utcnow()
    if starts_at <= now:
        raise SlotInPast()
    local_day = starts_at.astimezone(AGENCY_TZ).date()
    periods = hours_by_weekday(session, agency.id).get(local_day.weekday())
    if not periods or closed_days(session, agency.id, local_day, local_day):
        raise DayClosed()
    if starts_at < now + timedelta(hours=agency.min_lead_hours):
        raise TooSoon(agency.min_lead_hours)
    if starts_at not in _starts_of_day(agency, local_day, periods):
        raise SlotUnavailable()


# ---------------------------------------------------------------- booking


def _take_place(session: Session, agency: Agency, starts_at: datetime) -> int:
    """Take one place in the slot, creating its row if needed; the slot's id or SlotFull."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = AppointmentSlot.__table__  # type: ignore[attr-defined]
    stmt = insert(table).values(
        agency_id=agency.id, starts_at=starts_at, capacity=agency.slot_capacity, taken=1
    )
    upsert = stmt.on_conflict_do_update(
        index_elements=["agency_id", "starts_at"],
        set_={"taken": table.c.taken + 1},
        where=table.c.taken < table.c.capacity,
    ).returning(table.c.id)
    slot_id = session.execute(upsert).scalar()
    if slot_id is None:
        raise SlotFull()
    return int(slot_id)


def _release_place(session: Session, slot_id: int) -> None:
    table = AppointmentSlot.__table__  # type: ignore[attr-defined]
    session.execute(
        update(table)
        .where(table.c.id == slot_id, table.c.taken > 0)
        .values(taken=table.c.taken - 1)
    )


def book(
    session: Session,
    *,
    agency_id: int,
    pensioner_id: int,
    starts_at: datetime,
    purpose: str = "enrolment",
    now: datetime | None = None,
    commit: bool = True,
) -> Appointment:
    """Book ``starts_at`` at an agency for a pensioner (one live appointment each)."""
    agency = session.get(Agency, agency_id)
    if agency is None or not agency.active:
        raise SlotUnavailable()
    check_bookable(session, agency, starts_at, now)
    try:
        with session.begin_nested():
            slot_id = _take_place(session, agency, starts_at)
            appointment = Appointment(
                agency_id=agency_id,
                slot_id=slot_id,
                pensioner_id=pensioner_id,
                starts_at=starts_at,
                purpose=purpose,
            )
            session.add(appointment)
            session.flush()
    except IntegrityError as exc:  # uq_appointment_live: one live appointment per pensioner
        raise AlreadyBooked() from exc
    if commit:
        session.commit()
    return appointment


def live_appointment(session: Session, pensioner_id: int) -> Appointment | None:
    """The pensioner's booked (or checked-in) appointment, if any."""
    return session.exec(
        select(Appointment).where(
            Appointment.pensioner_id == pensioner_id,
            col(Appointment.status).in_(
                [AppointmentStatus.BOOKED.value, AppointmentStatus.CHECKED_IN.value]
            ),
        )
    ).first()


def move(
    session: Session,
    appointment_id: int,
    starts_at: datetime,
    *,
    agency_id: int | None = None,
    now: datetime | None = None,
    commit: bool = True,
) -> Appointment:
    """Move a booked appointment to another slot (of the same or another agency)."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.status != AppointmentStatus.BOOKED.value:
        raise AppointmentClosed()
    agency = session.get(Agency, agency_id or appointment.agency_id)
    if agency is None or not agency.active:
        raise SlotUnavailable()
    if agency.id == appointment.agency_id and starts_at == appointment.starts_at:
        return appointment
    check_bookable(session, agency, starts_at, now)
    old_slot = appointment.slot_id
    with session.begin_nested():
        new_slot = _take_place(session, agency, starts_at)
        table = Appointment.__table__  # type: ignore[attr-defined]
        moved = session.execute(
            update(table)
            .where(
                table.c.id == appointment_id,
                table.c.slot_id == old_slot,
                table.c.status == AppointmentStatus.BOOKED.value,
            )
            .values(agency_id=agency.id, slot_id=new_slot, starts_at=starts_at, updated_at=utcnow())
            .returning(table.c.id)
        ).scalar()
        if moved is None:  # cancelled or moved meanwhile: give the new place back
            raise AppointmentClosed()
        _release_place(session, old_slot)
    if commit:
        session.commit()
    session.refresh(appointment)
    return appointment


def set_status(
    session: Session,
    appointment_id: int,
    to: AppointmentStatus,
    *,
    from_: Iterable[AppointmentStatus] = (AppointmentStatus.BOOKED,),
    staff_id: int | None = None,
    commit: bool = True,
) -> Appointment:
    """Change the status by one conditional UPDATE; a cancellation gives the place back."""
    table = Appointment.__table__  # type: ignore[attr-defined]
    values: dict = {"status": to.value, "updated_at": utcnow()}
    if to == AppointmentStatus.CHECKED_IN:
        values["checked_in_at"] = utcnow()
    if staff_id is not None:
        values["staff_id"] = staff_id
    slot_id = session.execute(
        update(table)
        .where(table.c.id == appointment_id, table.c.status.in_([s.value for s in from_]))
        .values(**values)
        .returning(table.c.slot_id)
    ).scalar()
    if slot_id is None:
        raise AppointmentClosed()
    if to == AppointmentStatus.CANCELLED:
        _release_place(session, slot_id)
    if commit:
        session.commit()
    appointment = session.get(Appointment, appointment_id)
    assert appointment is not None
    session.refresh(appointment)
    return appointment


def cancel(session: Session, appointment_id: int, *, commit: bool = True) -> Appointment:
    """Cancel a booked appointment; its place is free again."""
    return set_status(session, appointment_id, AppointmentStatus.CANCELLED, commit=commit)
