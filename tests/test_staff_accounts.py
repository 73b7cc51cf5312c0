"""Staff accounts: a password the admin never sees, changed at first login; audited frames."""

from __future__ import annotations

import re

from sqlmodel import select

from webapp.models import AuditEvent, OutboxMessage, StaffUser

ADMIN = ("admin@demo.dialvie.ma", "Admin2026!")


def _create(client, email="nouveau@demo.ma"):
    return client.post(
        "/staff/admin/staff",
        data={"email": email, "name": "Nora", "role": "adviser", "agency_id": "1"},
    )


def test_the_admin_never_sees_the_new_password_which_is_sent_by_email(client, demo, auth, db):
    auth.staff_login(*ADMIN)
    page = _create(client).get_data(as_text=True)
    assert "<code>" not in page
    assert "nouveau@demo.ma" in page and "e-mail" in page
    message = db.exec(select(OutboxMessage)).one()
    assert message.destination == "nouveau@demo.ma" and message.channel == "email"
    password = re.search(r"provisoire : (\S+?)\.? ", message.body).group(1)
    assert password not in page
    staff = db.exec(select(StaffUser).where(StaffUser.email == "nouveau@demo.ma")).one()
    assert staff.must_change_password


def _new_adviser_password(client, auth, db) -> str:
    auth.staff_login(*ADMIN)
    _create(client)
    client.post("/staff/logout")
    body = db.exec(select(OutboxMessage)).one().body
    return re.search(r"provisoire : (\S+?)\.? ", body).group(1)


def test_a_new_adviser_must_choose_a_password_first(app, client, demo, auth, db):
    temporary = _new_adviser_password(client, auth, db)
    response = auth.staff_login("nouveau@demo.ma", temporary)
    assert response.headers["Location"] == "/staff/password"
    assert client.get("/staff/").headers["Location"] == "/staff/password"
    changed = client.post(
        "/staff/password",
        data={"current": temporary, "new": "Nouveau2026x", "confirm": "Nouveau2026x"},
    )
    assert changed.status_code == 302
    assert client.get("/staff/").status_code == 200
    other = app.test_client()
    response = other.post(
        "/staff/login", data={"email": "nouveau@demo.ma", "password": "Nouveau2026x"}
    )
    assert response.headers["Location"] == "/staff/"


def test_staff_change_their_password_with_the_current_one(client, demo, auth, db):
    auth.staff_login()
    page = client.get("/staff/password")
    assert page.status_code == 200 and "Mot de passe actuel" in page.get_data(as_text=True)
    wrong = client.post(
        "/staff/password",
        data={"current": "nope", "new": "Conseil2027x", "confirm": "Conseil2027x"},
    )
    assert wrong.status_code == 422
    ok = client.post(
        "/staff/password",
        data={"current": "Conseil2026!", "new": "Conseil2027x", "confirm": "Conseil2027x"},
    )
    assert ok.status_code == 302
    actions = [e.action for e in db.exec(select(AuditEvent)).all()]
    assert "password_changed" in actions and "reauth_failed" in actions


def test_session_protection_is_a_documented_decision(app):
    import webapp.sessions

    assert app.login_manager.session_protection is None
    assert "session_protection" in webapp.sessions.__doc__
