"""Procedure 2's own rules: registry match, booking the visit, the codes, the reminder."""

from __future__ import annotations

import base64
import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from webapp.models import (
    Agency,
    Appointment,
    FaceReference,
    OneTimeCode,
    OutboxMessage,
    Pensioner,
    StaffUser,
    utcnow,
)
from webapp.services import (
    agency_enrol,
    appointments as desk,
    booking,
    enrolment as enrol_svc,
    otp,
    registry_match,
)
from webapp.services.appointments import IdentityNotChecked


@pytest.fixture
def agency(db):
    row = Agency(
        code="CAS",
        name="Agence Casablanca",
        city="Casablanca",
        address="100, bd Abdelmoumen",
        phone="+212522201010",
        latitude=33.58,
        longitude=-7.63,
    )
    db.add(row)
    db.commit()
    booking.set_hours(db, row.id, booking.DEFAULT_HOURS)
    return row


@pytest.fixture
def adviser(db, agency):
    row = StaffUser(email="a@x.ma", name="Salma", agency_id=agency.id, password_hash="x")
    db.add(row)
    db.commit()
    return row


def _slot(db, agency, index=0):
    now = utcnow()
    local = (now + timedelta(days=2)).astimezone(booking.AGENCY_TZ)
    listing = booking.month_slots(db, agency, local.year, local.month, now=now)
    found = [s.starts_at for d in sorted(listing.days) for s in listing.days[d]]
    if len(found) <= index:
        nxt = local.replace(day=1) + timedelta(days=32)
        listing = booking.month_slots(db, agency, nxt.year, nxt.month, now=now)
        found += [s.starts_at for d in sorted(listing.days) for s in listing.days[d]]
    return found[index]


def _at_appointment_step(db, pensioner):
    enrolment = enrol_svc.start(db, "agency", "10.0.0.1")
    enrol_svc.record_terms(db, enrolment, "2026-11", "10.0.0.1")
    enrol_svc.record_consents(db, enrolment, "2026-11", "2026-11", "10.0.0.1")
    enrol_svc.match_pensioner(db, enrolment, pensioner)
    for step in ("selfie", "contact", "code", "appointment"):
        enrol_svc.advance(db, enrolment, step)
    return enrolment


def _code_in(message: OutboxMessage) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def test_registry_match_ignores_case_accents_and_spacing(ctx, db, pensioner):
    found = registry_match.find_pensioner(
        db, " dp200001", "ALAOUI", "fatima", date(1950, 3, 14), "be 123-456"
    )
    assert found.id == pensioner.id
    by_passport = registry_match.find_pensioner(
        db, "DP200001", "Alaoui", "Fâtima", date(1950, 3, 14), "ab1234567"
    )
    assert by_passport.id == pensioner.id
    for args in (
        ("DP200001", "Alaoui", "Fatima", date(1950, 3, 15), "BE123456"),
        ("DP200001", "Alaoui", "Fatima", date(1950, 3, 14), "BE123457"),
        ("DP200001", "Alami", "Fatima", date(1950, 3, 14), "BE123456"),
        ("DP999999", "Alaoui", "Fatima", date(1950, 3, 14), "BE123456"),
        ("DP200001", "Alaoui", "Fatima", None, "BE123456"),
    ):
        with pytest.raises(registry_match.NoMatch):
            registry_match.find_pensioner(db, *args)


def test_booking_the_visit_sends_the_login_code_by_sms_in_morocco(ctx, db, pensioner, agency):
    enrolment = _at_appointment_step(db, pensioner)
    when = _slot(db, agency)
    appointment = agency_enrol.book_visit(db, enrolment, agency.id, when)
    db.refresh(enrolment)
    assert enrolment.step == "booked" and enrolment.appointment_id == appointment.id
    assert enrolment.expires_at == when + timedelta(days=7)
    assert db.get(Pensioner, pensioner.id).account_status == "inactive"
    sms = db.exec(select(OutboxMessage)).one()
    assert sms.channel == "sms" and sms.destination == "+212612345678"
    assert "Agence Casablanca" in sms.body and sms.attachments == []
    code = _code_in(sms)
    row = db.exec(select(OneTimeCode)).one()
    assert row.purpose == "agency_login" and row.appointment_id == appointment.id
    assert row.expires_at.astimezone(booking.AGENCY_TZ).date() == (
        when.astimezone(booking.AGENCY_TZ).date() + timedelta(days=1)
    )
    assert agency_enrol.visit_login(db, "dp200001", code).id == enrolment.id


def test_a_resident_abroad_gets_the_code_by_email_with_a_calendar_file(
    ctx, db, other_pensioner, agency
):
    enrolment = _at_appointment_step(db, other_pensioner)
    agency_enrol.book_visit(db, enrolment, agency.id, _slot(db, agency))
    mail = db.exec(select(OutboxMessage)).one()
    assert mail.channel == "email" and mail.destination == "paul@example.fr"
    ics = base64.b64decode(mail.attachments[0]["content"]).decode()
    assert mail.attachments[0]["filename"].endswith(".ics")
    assert "BEGIN:VEVENT" in ics and "Agence Casablanca" in ics and "GEO:33.58;-7.63" in ics


def test_a_visit_code_that_expired_before_the_visit_is_refused_and_a_new_one_works(
    ctx, db, pensioner, agency
):
    enrolment = _at_appointment_step(db, pensioner)
    when = _slot(db, agency)
    appointment = agency_enrol.book_visit(db, enrolment, agency.id, when)
    code = _code_in(db.exec(select(OutboxMessage)).one())
    with pytest.raises(otp.CodeExpired):
        agency_enrol.visit_login(db, "DP200001", code, now=when + timedelta(days=1))
    row = db.exec(select(OneTimeCode)).one()
    row.created_at -= timedelta(minutes=5)  # past the resend cool-down
    db.commit()
    agency_enrol.send_visit_code(db, db.get(Pensioner, pensioner.id), appointment)
    new = _code_in(db.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first())
    assert agency_enrol.visit_login(db, "DP200001", new).id == enrolment.id
    with pytest.raises(agency_enrol.NoAppointment):
        agency_enrol.visit_login(db, "DP200002", new)


def test_adviser_code_opens_the_account_once_and_sends_a_provisional_password(
    ctx, db, pensioner, agency, adviser
):
    enrolment = _at_appointment_step(db, pensioner)
    appointment = agency_enrol.book_visit(db, enrolment, agency.id, _slot(db, agency))
    desk.check_in(db, adviser, appointment.id)
    with pytest.raises(IdentityNotChecked):
        agency_enrol.issue_adviser_code(db, adviser, appointment.id)
    desk.check_identity(db, adviser, appointment.id, "cin", "BE123456")
    code = agency_enrol.issue_adviser_code(db, adviser, appointment.id)
    # The visit selfie matched the pending one: the reference exists, the step moved on.
    db.add(FaceReference(pensioner_id=pensioner.id, template=b"x", source="agency"))
    db.commit()
    enrol_svc.advance(db, enrolment, "visit_selfie")
    enrol_svc.advance(db, enrolment, "adviser_code")
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(otp.CodeWrong):
        agency_enrol.confirm_adviser_code(db, enrolment, wrong)
    opened = agency_enrol.confirm_adviser_code(db, enrolment, code)
    assert opened.account_status == "active" and opened.must_change_password
    assert db.get(Appointment, appointment.id).status == "done"
    message = db.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert "Mot de passe provisoire" in message.body and code not in message.body
    with pytest.raises(agency_enrol.VisitNotReady):
        agency_enrol.confirm_adviser_code(db, enrolment, code)


def test_the_reminder_goes_the_day_before_exactly_once(ctx, db, other_pensioner, agency):
    enrolment = _at_appointment_step(db, other_pensioner)
    when = _slot(db, agency)
    agency_enrol.book_visit(db, enrolment, agency.id, when)
    assert agency_enrol.send_reminders(db, now=when - timedelta(days=2)) == 0
    day_before = when - timedelta(days=1)
    assert agency_enrol.send_reminders(db, now=day_before) == 1
    assert agency_enrol.send_reminders(db, now=day_before) == 0
    reminder = db.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert "Reminder: your appointment tomorrow" in reminder.subject  # in English
    assert reminder.attachments[0]["mimetype"] == "text/calendar"


def test_flask_booking_remind_sends_tomorrows_reminders(ctx, db, runner, pensioner, agency):
    enrolment = _at_appointment_step(db, pensioner)
    # A slot after tomorrow: between midnight and the first opening, tomorrow's first
    # slot is already past the 24 h lead time, and would be reminded at once.
    tomorrow = (utcnow() + timedelta(days=1)).astimezone(booking.AGENCY_TZ).date()
    index = 0
    while _slot(db, agency, index).astimezone(booking.AGENCY_TZ).date() <= tomorrow:
        index += 1
    agency_enrol.book_visit(db, enrolment, agency.id, _slot(db, agency, index))
    assert "0 reminder(s) sent" in runner.invoke(args=["booking", "remind"]).output
