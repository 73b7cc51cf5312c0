"""Procedure 2 page by page: identity, appointment, booked, the visit, the adviser's code."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import select

from tests.conftest import AuthActions
from webapp.models import (
    Agency,
    Appointment,
    FaceReference,
    OutboxMessage,
    Pensioner,
    utcnow,
)
from webapp.services import booking, enrolment as enrol_svc

IDENTITY = {
    "dp_number": "DP200001",
    "last_name": "alaoui",
    "first_name": "Fatima",
    "birth_date": "1950-03-14",
    "document_number": "BE123456",
}


@pytest.fixture
def started(app, db, demo, pensioner, client):
    """An agency enrolment past its consents, tied to this browser."""
    with app.test_request_context():
        enrolment = enrol_svc.start(db, "agency", "127.0.0.1")
        enrol_svc.record_terms(db, enrolment, "2026-11", "127.0.0.1")
        enrol_svc.record_consents(db, enrolment, "2026-11", "2026-11", "127.0.0.1")
    with client.session_transaction() as s:
        s["enrolment"] = enrolment.token
    return enrolment


def _to_appointment(app, db, enrolment):
    """The home selfie matched and the contact code was typed (their own tests cover them)."""
    db.refresh(enrolment)
    assert enrolment.step == "selfie"
    with app.test_request_context():
        for step in ("contact", "code", "appointment"):
            enrol_svc.advance(db, enrolment, step)


def _first_slot(db, code="CAS"):
    agency = db.exec(select(Agency).where(Agency.code == code)).one()
    now = utcnow()
    local = (now + timedelta(days=2)).astimezone(booking.AGENCY_TZ)
    for _ in range(3):
        listing = booking.month_slots(db, agency, local.year, local.month, now=now)
        if listing.days:
            day = min(listing.days)
            return agency, day, listing.days[day][0]
        local = local.replace(day=1) + timedelta(days=32)
    raise AssertionError("no slot")


def test_identity_errors_dead_end_and_already_enrolled(client, started, db):
    empty = client.post("/enrol/agency/identity", data={})
    assert empty.status_code == 422 and empty.data.decode().count("Ce champ est obligatoire") == 5
    wrong = client.post("/enrol/agency/identity", data={**IDENTITY, "document_number": "X"})
    page = wrong.data.decode()
    assert wrong.status_code == 422 and 'data-code="no_match"' in page
    assert "+212 522 00 00 00" in page and 'value="alaoui"' in page
    enrolled = client.post(
        "/enrol/agency/identity",
        data={
            **IDENTITY,
            "dp_number": "DP100001",
            "last_name": "Benani",
            "first_name": "Mohammed",
            "birth_date": "1948-03-12",
            "document_number": "BE123456",
        },
    )
    assert enrolled.status_code == 409 and 'href="/auth/login"' in enrolled.data.decode()
    ok = client.post("/enrol/agency/identity", data=IDENTITY)
    assert ok.status_code in (302, 303) and ok.headers["Location"].endswith("/enrol/selfie")
    db.refresh(started)
    assert started.step == "selfie" and started.pensioner_id is not None


def test_pensioner_books_sees_moves_and_cancels(app, client, started, db, pensioner):
    client.post("/enrol/agency/identity", data=IDENTITY)
    _to_appointment(app, db, started)
    agency, day, slot = _first_slot(db)
    page = client.get("/enrol/agency/appointment").data.decode()
    assert "Agence Casablanca Centre" in page and "Agence Fès" in page
    days = client.get(f"/enrol/agency/appointment?agency={agency.id}").data.decode()
    assert "+212522201010" in days and f"day={day.isoformat()}" in days
    slots = client.get(
        f"/enrol/agency/appointment?agency={agency.id}&day={day.isoformat()}"
    ).data.decode()
    assert slot.starts_at.isoformat() in slots and "Valider" in slots
    query = {"agency": agency.id, "starts_at": slot.starts_at.isoformat()}
    summary = client.get("/enrol/agency/appointment/confirm", query_string=query).data.decode()
    assert "Je confirme" in summary and "ALAOUI" in summary.upper()
    booked = client.post("/enrol/agency/appointment/confirm", data=query)
    assert booked.headers["Location"].endswith("/enrol/agency/booked")
    page = client.get("/enrol/agency/booked").data.decode()
    assert "Un code vous a été envoyé par SMS au +2126•••••78" in page
    assert db.exec(select(OutboxMessage)).one().destination == "+212612345678"
    # Move: back to the choice, the old place kept until the new one is confirmed.
    client.post("/enrol/agency/booked", data={"action": "move"})
    moving = client.get("/enrol/agency/appointment").data.decode()
    assert 'id="appointment-current"' in moving
    _, _, later = _first_slot(db, "RAB")
    client.post(
        "/enrol/agency/appointment/confirm",
        data={
            "agency": later and db.exec(select(Agency).where(Agency.code == "RAB")).one().id,
            "starts_at": later.starts_at.isoformat(),
        },
    )
    appointments = db.exec(select(Appointment)).all()
    assert len(appointments) == 1 and appointments[0].starts_at == later.starts_at
    # Cancel: the place is free, a new appointment can be chosen.
    client.post("/enrol/agency/booked", data={"action": "cancel"})
    db.refresh(appointments[0])
    assert appointments[0].status == "cancelled"
    assert "Votre rendez-vous est annulé" in client.get("/enrol/agency/appointment").data.decode()


def test_slot_taken_while_confirming_closed_day_and_past_date(app, client, started, db):
    client.post("/enrol/agency/identity", data=IDENTITY)
    _to_appointment(app, db, started)
    agency, day, slot = _first_slot(db)
    query = {"agency": agency.id, "starts_at": slot.starts_at.isoformat()}
    assert (
        "Je confirme"
        in client.get("/enrol/agency/appointment/confirm", query_string=query).data.decode()
    )
    for pid in (2, 3):  # two others take both places meanwhile
        booking.book(db, agency_id=agency.id, pensioner_id=pid, starts_at=slot.starts_at)
    taken = client.post("/enrol/agency/appointment/confirm", data=query)
    text = taken.data.decode()
    assert taken.status_code == 409 and "Ce créneau est complet" in text
    assert "complet" in text and "Valider" in text  # the day's other times, to pick again
    sunday = day + timedelta(days=(6 - day.weekday()) or 7)
    when = datetime.combine(sunday, time(9), booking.AGENCY_TZ).isoformat()
    shut = client.get(
        "/enrol/agency/appointment/confirm", query_string={"agency": agency.id, "starts_at": when}
    )
    assert shut.status_code == 409 and "L'agence est fermée ce jour-là" in shut.data.decode()
    past = datetime.combine(date.today() - timedelta(days=3), time(9), booking.AGENCY_TZ)
    old = client.get(
        "/enrol/agency/appointment/confirm",
        query_string={"agency": agency.id, "starts_at": past.isoformat()},
    )
    assert old.status_code == 409 and "Cette date est passée" in old.data.decode()


def _code(db, n=-1) -> str:
    messages = db.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return re.search(r"\b(\d{6})\b", messages[n].body).group(1)


def test_at_the_agency_login_selfie_adviser_code_and_password(app, client, started, db, auth):
    client.post("/enrol/agency/identity", data=IDENTITY)
    _to_appointment(app, db, started)
    agency, day, slot = _first_slot(db)
    client.post(
        "/enrol/agency/appointment/confirm",
        data={"agency": agency.id, "starts_at": slot.starts_at.isoformat()},
    )
    code = _code(db)
    phone = app.test_client()  # at the agency: the same phone, a fresh session
    bad = phone.post("/enrol/agency/visit/login", data={"dp_number": "DP200001", "code": "1"})
    assert bad.status_code == 422 and "Code incorrect" in bad.data.decode()
    ok = phone.post("/enrol/agency/visit/login", data={"dp_number": "dp200001", "code": code})
    assert ok.headers["Location"].endswith("/enrol/agency/visit")
    assert "Commencer" in phone.get("/enrol/agency/visit").data.decode()
    start = phone.post("/enrol/agency/visit")
    assert start.headers["Location"].endswith("/enrol/selfie")
    db.refresh(started)
    assert started.step == "visit_selfie"
    # The selfie job matched the pending one (the selfie's own tests cover it).
    db.add(FaceReference(pensioner_id=started.pensioner_id, template=b"x", source="agency"))
    db.commit()
    db.refresh(started)
    with app.test_request_context():
        enrol_svc.advance(db, started, "adviser_code")
    # The adviser: check-in, identity, code.
    desk = app.test_client()
    desk.post(
        "/staff/login", data={"email": "conseiller@demo.dialvie.ma", "password": "Conseil2026!"}
    )
    appt = db.exec(select(Appointment)).one()
    desk.post(f"/staff/appointments/{appt.id}/check_in")
    desk.post(
        f"/staff/appointments/{appt.id}/identity",
        data={"document_type": "passport", "document_number": "AB1234567"},
    )
    shown = desk.post(f"/staff/appointments/{appt.id}/code").data.decode()
    adviser_code = re.search(r'id="adviser-code"[^>]*>(\d{6})<', shown).group(1)
    summary = phone.get("/enrol/agency/visit/code").data.decode()
    assert "14 mars 1950" in summary and "DP200001" in summary
    wrong = "000000" if adviser_code != "000000" else "111111"
    refused = phone.post("/enrol/agency/visit/code", data={"code": wrong})
    assert refused.status_code == 422 and "Code incorrect" in refused.data.decode()
    done = phone.post("/enrol/agency/visit/code", data={"code": adviser_code})
    assert done.headers["Location"].endswith("/enrol/agency/done")
    assert "Se connecter" in phone.get("/enrol/agency/done").data.decode()
    sms = db.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    password = re.search(r"provisoire : (\S+)\.", sms.body).group(1)
    assert adviser_code not in sms.body
    login = AuthActions(phone).login("DP200001", password)
    assert "change" in login.headers["Location"] or "password" in login.headers["Location"]
    opened = db.get(Pensioner, started.pensioner_id, populate_existing=True)
    assert opened.account_status == "active" and opened.must_change_password


def test_after_a_no_show_the_pensioner_is_asked_for_a_new_appointment(app, client, started, db):
    client.post("/enrol/agency/identity", data=IDENTITY)
    _to_appointment(app, db, started)
    agency, day, slot = _first_slot(db)
    query = {"agency": agency.id, "starts_at": slot.starts_at.isoformat()}
    client.post("/enrol/agency/appointment/confirm", data=query)
    appointment = db.exec(select(Appointment)).one()
    with app.app_context():
        booking.set_status(db, appointment.id, booking.AppointmentStatus.NO_SHOW)
    again = client.get("/enrol/agency/booked")
    assert again.headers["Location"].endswith("/enrol/agency/appointment")
    client.post("/enrol/agency/appointment/confirm", data=query)
    live = db.exec(select(Appointment).where(Appointment.status == "booked")).one()
    assert live.id != appointment.id and live.starts_at == slot.starts_at


def test_days_later_the_code_opens_the_appointment_to_move_or_cancel_it(app, started, db):
    """The booked page's cookie is gone (another day, another browser): DP + code."""
    home = app.test_client()
    with home.session_transaction() as s:
        s["enrolment"] = started.token
    home.post("/enrol/agency/identity", data=IDENTITY)
    _to_appointment(app, db, started)
    agency, day, slot = _first_slot(db)
    query = {"agency": agency.id, "starts_at": slot.starts_at.isoformat()}
    home.post("/enrol/agency/appointment/confirm", data=query)
    later = app.test_client()  # no enrolment cookie
    hint = later.get("/enrol/agency/visit/login").data.decode()
    assert "le voir, le déplacer ou l'annuler" in hint
    ok = later.post("/enrol/agency/visit/login", data={"dp_number": "DP200001", "code": _code(db)})
    assert ok.headers["Location"].endswith("/enrol/agency/visit")
    page = later.get("/enrol/agency/visit").data.decode()
    assert 'id="visit-not-yet"' in page and 'id="visit-move"' in page
    assert agency.name in page
    # Move: back to the choice of a slot, the old place kept until a new one is confirmed.
    moved = later.post("/enrol/agency/booked", data={"action": "move"})
    assert moved.headers["Location"].endswith("/enrol/agency/appointment")
    assert 'id="appointment-current"' in later.get("/enrol/agency/appointment").data.decode()
    _, _, other = _first_slot(db, "RAB")
    rab = db.exec(select(Agency).where(Agency.code == "RAB")).one()
    later.post(
        "/enrol/agency/appointment/confirm",
        data={"agency": rab.id, "starts_at": other.starts_at.isoformat()},
    )
    assert later.get("/enrol/agency/booked").headers["Location"].endswith("/enrol/agency/visit")
    assert rab.name in later.get("/enrol/agency/visit").data.decode()
    # Cancel from the same page.
    later.post("/enrol/agency/booked", data={"action": "cancel"})
    assert db.exec(select(Appointment).where(Appointment.status == "booked")).first() is None


def test_on_the_day_the_visit_page_only_offers_to_begin(app, client, started, db):
    client.post("/enrol/agency/identity", data=IDENTITY)
    _to_appointment(app, db, started)
    agency, day, slot = _first_slot(db)
    client.post(
        "/enrol/agency/appointment/confirm",
        data={"agency": agency.id, "starts_at": slot.starts_at.isoformat()},
    )
    appointment = db.exec(select(Appointment)).one()
    appointment.starts_at = utcnow()  # today, at the agency
    db.add(appointment)
    db.commit()
    phone = app.test_client()
    phone.post("/enrol/agency/visit/login", data={"dp_number": "DP200001", "code": _code(db)})
    page = phone.get("/enrol/agency/visit").data.decode()
    assert "Commencer" in page and 'id="visit-not-yet"' not in page
