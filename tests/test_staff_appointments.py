"""The agency desk: an adviser's own agency's day, check-in, no-show, move, cancel, identity."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from webapp.models import Agency, AppointmentSlot, AuditEvent, utcnow
from webapp.services import booking


def _next_slots(db, code: str, count: int = 2):
    agency = db.exec(select(Agency).where(Agency.code == code)).one()
    now = utcnow()
    local = (now + timedelta(days=2)).astimezone(booking.AGENCY_TZ)
    found = []
    year, month = local.year, local.month
    while len(found) < count:
        listing = booking.month_slots(db, agency, year, month, now=now)
        found += [s.starts_at for d in sorted(listing.days) for s in listing.days[d]]
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return agency, found[:count]


def _book(db, code: str, pensioner_id: int, index: int = 0):
    agency, slots = _next_slots(db, code, index + 1)
    return booking.book(db, agency_id=agency.id, pensioner_id=pensioner_id, starts_at=slots[index])


def _past(db, pensioner_id: int):
    """An appointment at Casablanca whose time has passed (booked a week before it)."""
    agency = db.exec(select(Agency).where(Agency.code == "CAS")).one()
    day = utcnow().astimezone(booking.AGENCY_TZ).date() - timedelta(days=7)
    while day.weekday() >= 5 or booking.closed_days(db, agency.id, day, day):
        day -= timedelta(days=1)
    earlier = booking.month_slots(
        db, agency, day.year, day.month, now=utcnow() - timedelta(days=20)
    )
    when = earlier.days[day][0].starts_at
    return booking.book(
        db,
        agency_id=agency.id,
        pensioner_id=pensioner_id,
        starts_at=when,
        now=when - timedelta(days=3),
    )


def test_adviser_sees_only_the_appointments_of_their_own_agency(client, demo, auth, db):
    mine = _book(db, "CAS", 1)
    theirs = _book(db, "RAB", 2)
    auth.staff_login()
    day = mine.starts_at.astimezone(booking.AGENCY_TZ).date().isoformat()
    page = client.get(f"/staff/appointments?day={day}").data.decode()
    assert "BENANI" in page and "Agence Casablanca Centre" in page
    assert "EL IDRISSI" not in page
    assert client.get(f"/staff/appointments/{theirs.id}").status_code == 404
    assert client.post(f"/staff/appointments/{theirs.id}/check_in").status_code == 404


def test_adviser_checks_in_and_a_wrong_document_number_is_refused(client, demo, auth, db):
    appt = _book(db, "CAS", 1)
    auth.staff_login()
    page = client.get(f"/staff/appointments/{appt.id}").data.decode()
    assert "Enregistrer l'arrivée" in page
    client.post(f"/staff/appointments/{appt.id}/check_in")
    wrong = client.post(
        f"/staff/appointments/{appt.id}/identity",
        data={"document_type": "cin", "document_number": "BE123457"},
    )
    assert wrong.status_code == 422
    text = wrong.data.decode()
    assert "ne correspond pas à celui du dossier" in text and 'value="BE123457"' in text
    right = client.post(
        f"/staff/appointments/{appt.id}/identity",
        data={"document_type": "cin", "document_number": " be-123 456 "},
    )
    assert right.status_code == 302
    assert "Pièce d'identité vérifiée" in client.get(f"/staff/appointments/{appt.id}").data.decode()
    events = db.exec(select(AuditEvent).where(AuditEvent.action.startswith("appointment_"))).all()
    assert [e.action for e in events] == [
        "appointment_checked_in",
        "appointment_identity_refused",
        "appointment_identity_checked",
    ]
    assert all(e.detail["agency_id"] == appt.agency_id and e.actor_id == 1 for e in events)
    assert events[0].detail["staff_name"] == "Salma Bennani"


def test_a_document_the_file_does_not_have_gets_its_own_message(client, demo, auth, db):
    appt = _book(db, "CAS", 5)  # DP100005 has no CIN
    auth.staff_login()
    client.post(f"/staff/appointments/{appt.id}/check_in")
    response = client.post(
        f"/staff/appointments/{appt.id}/identity",
        data={"document_type": "cin", "document_number": "X1"},
    )
    assert response.status_code == 422
    assert "Choisissez l'autre pièce" in response.data.decode()


def test_no_show_only_once_the_time_has_passed(client, demo, auth, db):
    future = _book(db, "CAS", 1)
    past = _past(db, 2)
    auth.staff_login()
    early = client.post(f"/staff/appointments/{future.id}/no_show")
    assert early.status_code == 422 and "pas encore commencé" in early.data.decode()
    assert client.post(f"/staff/appointments/{past.id}/no_show").status_code == 302
    db.refresh(past)
    assert past.status == "no_show"


def test_adviser_moves_then_cancels_and_the_places_follow(client, demo, auth, db):
    appt = _book(db, "CAS", 1)
    _, slots = _next_slots(db, "CAS", 3)
    auth.staff_login()
    page = client.get(f"/staff/appointments/{appt.id}").data.decode()
    assert slots[2].isoformat() in page
    response = client.post(
        f"/staff/appointments/{appt.id}/move", data={"starts_at": slots[2].isoformat()}
    )
    assert response.status_code == 302
    db.refresh(appt)
    assert appt.starts_at == slots[2]
    bad = client.post(f"/staff/appointments/{appt.id}/move", data={"starts_at": "tomorrow"})
    assert bad.status_code == 422
    client.post(f"/staff/appointments/{appt.id}/cancel")
    db.refresh(appt)
    assert appt.status == "cancelled"
    assert {s.taken for s in db.exec(select(AppointmentSlot)).all()} == {0}
    actions = [e.action for e in db.exec(select(AuditEvent)).all()]
    assert "appointment_moved" in actions and "appointment_cancelled" in actions
