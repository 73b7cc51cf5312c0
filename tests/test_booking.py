"""Agency appointments: slot rules, booking, moving and cancelling, the last place."""

from __future__ import annotations

import threading
from datetime import date, datetime, time

import pytest
from sqlmodel import Session, select

from webapp.models import Agency, Appointment, AppointmentSlot, Pensioner
from webapp.services import booking
from webapp.services.booking import AGENCY_TZ

# Tuesday 1 December 2026, 10:00 in Casablanca.
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=AGENCY_TZ)


def at(y, m, d, hh, mm=0) -> datetime:
    """A local (Casablanca) time."""
    return datetime(y, m, d, hh, mm, tzinfo=AGENCY_TZ)


def _pensioner(db: Session, n: int) -> int:
    p = Pensioner(
        dp_number=f"DP9{n:05d}",
        last_name="TEST",
        first_name=f"P{n}",
        birth_date=date(1950, 1, 1),
        nationality="MAR",
    )
    db.add(p)
    db.commit()
    assert p.id is not None
    return p.id


@pytest.fixture
def agency(db):
    """An agency open Monday-Friday 8:30-12:30 and 13:30-16:30, 30 min slots, 2 places."""
    agency = Agency(code="TST", name="Agence Test", city="Casablanca", slot_capacity=2)
    db.add(agency)
    db.commit()
    booking.set_hours(db, agency.id, booking.DEFAULT_HOURS)
    booking.seed_public_holidays(db, [2026, 2027])
    return agency


def test_month_lists_weekdays_without_holidays_weekends_or_the_lead_time(db, agency):
    month = booking.month_slots(db, agency, 2027, 1, now=NOW)
    assert date(2027, 1, 1) not in month.days  # New Year, a Friday
    assert month.closed[date(2027, 1, 11)] == "Manifeste de l'indépendance"
    assert date(2027, 1, 9) not in month.days and date(2027, 1, 10) not in month.days
    tuesday = [s.local.time() for s in month.days[date(2027, 1, 5)]]
    assert tuesday[0] == time(8, 30) and tuesday[-1] == time(16, 0)
    assert time(12, 30) not in tuesday and time(13, 30) in tuesday
    assert len(tuesday) == 8 + 6
    december = booking.month_slots(db, agency, 2026, 12, now=NOW)
    assert date(2026, 12, 1) not in december.days  # today: inside the 24 h lead time
    assert december.days[date(2026, 12, 2)][0].local.time() == time(10, 0)


def test_pensioner_books_a_free_slot_and_sees_one_place_fewer(db, agency):
    pid = _pensioner(db, 1)
    appt = booking.book(
        db, agency_id=agency.id, pensioner_id=pid, starts_at=at(2026, 12, 3, 9), now=NOW
    )
    assert appt.status == "booked" and booking.live_appointment(db, pid).id == appt.id
    slots = booking.month_slots(db, agency, 2026, 12, now=NOW).days[date(2026, 12, 3)]
    nine = next(s for s in slots if s.local.time() == time(9))
    assert nine.free == 1


@pytest.mark.parametrize(
    ("starts_at", "error"),
    [
        (at(2026, 11, 30, 9), booking.SlotInPast),
        (at(2026, 12, 5, 9), booking.DayClosed),  # Saturday
        (at(2027, 1, 11, 9), booking.DayClosed),  # public holiday
        (at(2026, 12, 1, 15), booking.TooSoon),  # today, in 5 hours
        (at(2026, 12, 3, 8, 45), booking.SlotUnavailable),  # not a slot start
        (at(2026, 12, 3, 12, 30), booking.SlotUnavailable),  # lunch break
        (at(2026, 12, 3, 16, 30), booking.SlotUnavailable),  # closing time
    ],
)
def test_each_slot_rule_has_its_own_error(db, agency, starts_at, error):
    pid = _pensioner(db, 1)
    with pytest.raises(error) as caught:
        booking.book(db, agency_id=agency.id, pensioner_id=pid, starts_at=starts_at, now=NOW)
    assert str(caught.value)
    assert db.exec(select(Appointment)).all() == []
    assert db.exec(select(AppointmentSlot)).all() == []


def test_an_agency_closure_closes_only_that_agency(db, agency):
    other = Agency(code="OTH", name="Autre", city="Rabat")
    db.add(other)
    db.commit()
    booking.set_hours(db, other.id, booking.DEFAULT_HOURS)
    booking.add_closed_day(db, date(2026, 12, 3), "Inventaire", agency_id=agency.id)
    pid = _pensioner(db, 1)
    with pytest.raises(booking.DayClosed):
        booking.book(
            db, agency_id=agency.id, pensioner_id=pid, starts_at=at(2026, 12, 3, 9), now=NOW
        )
    booking.book(db, agency_id=other.id, pensioner_id=pid, starts_at=at(2026, 12, 3, 9), now=NOW)


def test_third_pensioner_finds_the_slot_full(db, agency):
    one, two, three = (_pensioner(db, n) for n in (1, 2, 3))
    when = at(2026, 12, 3, 9)
    booking.book(db, agency_id=agency.id, pensioner_id=one, starts_at=when, now=NOW)
    booking.book(db, agency_id=agency.id, pensioner_id=two, starts_at=when, now=NOW)
    with pytest.raises(booking.SlotFull):
        booking.book(db, agency_id=agency.id, pensioner_id=three, starts_at=when, now=NOW)
    slot = db.exec(select(AppointmentSlot)).one()
    assert (slot.taken, slot.capacity) == (2, 2)
    assert booking.live_appointment(db, three) is None


def test_a_pensioner_holds_one_appointment_at_a_time(db, agency):
    pid = _pensioner(db, 1)
    booking.book(db, agency_id=agency.id, pensioner_id=pid, starts_at=at(2026, 12, 3, 9), now=NOW)
    with pytest.raises(booking.AlreadyBooked):
        booking.book(
            db, agency_id=agency.id, pensioner_id=pid, starts_at=at(2026, 12, 4, 9), now=NOW
        )
    # The refused booking did not keep a place.
    assert sum(s.taken for s in db.exec(select(AppointmentSlot)).all()) == 1


def test_pensioner_moves_the_appointment_and_frees_the_old_place(db, agency):
    pid = _pensioner(db, 1)
    appt = booking.book(
        db, agency_id=agency.id, pensioner_id=pid, starts_at=at(2026, 12, 3, 9), now=NOW
    )
    moved = booking.move(db, appt.id, at(2026, 12, 4, 14), now=NOW)
    assert moved.id == appt.id and moved.starts_at == at(2026, 12, 4, 14)
    taken = {s.starts_at: s.taken for s in db.exec(select(AppointmentSlot)).all()}
    assert taken == {at(2026, 12, 3, 9): 0, at(2026, 12, 4, 14): 1}


def test_moving_to_a_full_slot_keeps_the_old_appointment(db, agency):
    a, b, c = (_pensioner(db, n) for n in (1, 2, 3))
    full = at(2026, 12, 4, 9)
    booking.book(db, agency_id=agency.id, pensioner_id=a, starts_at=full, now=NOW)
    booking.book(db, agency_id=agency.id, pensioner_id=b, starts_at=full, now=NOW)
    appt = booking.book(
        db, agency_id=agency.id, pensioner_id=c, starts_at=at(2026, 12, 3, 9), now=NOW
    )
    with pytest.raises(booking.SlotFull):
        booking.move(db, appt.id, full, now=NOW)
    db.refresh(appt)
    assert appt.starts_at == at(2026, 12, 3, 9) and appt.status == "booked"


def test_pensioner_cancels_and_the_place_is_free_again(db, agency):
    pid = _pensioner(db, 1)
    appt = booking.book(
        db, agency_id=agency.id, pensioner_id=pid, starts_at=at(2026, 12, 3, 9), now=NOW
    )
    assert booking.cancel(db, appt.id).status == "cancelled"
    assert db.exec(select(AppointmentSlot)).one().taken == 0
    with pytest.raises(booking.AppointmentClosed):
        booking.cancel(db, appt.id)
    with pytest.raises(booking.AppointmentClosed):
        booking.move(db, appt.id, at(2026, 12, 4, 9), now=NOW)
    # Cancelled, the pensioner may book again.
    booking.book(db, agency_id=agency.id, pensioner_id=pid, starts_at=at(2026, 12, 4, 9), now=NOW)


def test_two_pensioners_never_both_get_the_last_place_on_postgresql(app, db, agency):
    """Twelve sessions on their own connections race for one place; the database decides."""
    engine = app.extensions["db_engine"]
    assert engine.dialect.name == "postgresql"
    agency.slot_capacity = 1
    db.add(agency)
    db.commit()
    pids = [_pensioner(db, n) for n in range(12)]
    when = at(2026, 12, 3, 9)
    barrier = threading.Barrier(len(pids))
    outcomes: list[str] = []

    def attempt(pid: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            agency_row = session.get(Agency, agency.id)
            booking.check_bookable(session, agency_row, when, NOW)
            barrier.wait()
            try:
                booking.book(
                    session, agency_id=agency.id, pensioner_id=pid, starts_at=when, now=NOW
                )
                outcomes.append("booked")
            except booking.SlotFull:
                outcomes.append("full")

    threads = [threading.Thread(target=attempt, args=(pid,)) for pid in pids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["booked"] + ["full"] * 11
    slot = db.exec(select(AppointmentSlot)).one()
    db.refresh(slot)
    assert slot.taken == 1
    assert len(db.exec(select(Appointment)).all()) == 1


def test_booking_works_on_the_embedded_sqlite_database(tmp_path):
    from webapp import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}", "SECRET_KEY": "x"})
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with Session(app.extensions["db_engine"], expire_on_commit=False) as db:
        agency = Agency(code="SQL", name="Agence", city="Fès", slot_capacity=1)
        db.add(agency)
        db.commit()
        booking.set_hours(db, agency.id, booking.DEFAULT_HOURS)
        one, two = _pensioner(db, 1), _pensioner(db, 2)
        when = at(2026, 12, 3, 9)
        booking.book(db, agency_id=agency.id, pensioner_id=one, starts_at=when, now=NOW)
        with pytest.raises(booking.SlotFull):
            booking.book(db, agency_id=agency.id, pensioner_id=two, starts_at=when, now=NOW)
        slot = booking.month_slots(db, agency, 2026, 12, now=NOW).days[date(2026, 12, 3)][1]
        assert slot.local.time() == time(9) and slot.free == 0
    app.extensions["db_engine"].dispose()


def test_operator_seeds_holidays_and_closes_a_day_from_the_command_line(runner, db, agency):
    assert "0 public holiday(s) added" in runner.invoke(args=["booking", "holidays", "2027"]).output
    out = runner.invoke(args=["booking", "close-day", "2027-03-10", "Aïd al-Fitr"]).output
    assert "2027-03-10 closed" in out
    again = runner.invoke(args=["booking", "close-day", "2027-03-10", "Aïd al-Fitr"]).output
    assert "already closed" in again
    bad = runner.invoke(args=["booking", "close-day", "2027-03-11", "x", "--agency", "NOPE"])
    assert bad.exit_code == 1
    month = booking.month_slots(db, agency, 2027, 3, now=NOW)
    assert date(2027, 3, 10) not in month.days and month.closed[date(2027, 3, 10)] == "Aïd al-Fitr"
