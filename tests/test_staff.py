"""Advisers find pensioners and read their file; admins manage agencies and staff. All audited."""

import re

from sqlmodel import select

from tests.conftest import AuthActions
from webapp.models import Agency, AuditEvent, OutboxMessage, StaffUser


def test_staff_login_and_search_by_dp_name_and_documents(client, demo, auth, db):
    assert auth.staff_login().headers["Location"] == "/staff/"
    for query, expected in (
        ("DP10000", 5),
        ("benani", 1),
        ("Mohammed Benani", 1),
        ("ac7654321", 1),
        ("D998877", 1),
        ("zzz", 0),
    ):
        page = client.get(f"/staff/?q={query}").data.decode()
        rows = re.findall(r'href="/staff/pensioners/\d+"', page)
        assert len(rows) == expected, query
    searches = db.exec(select(AuditEvent).where(AuditEvent.action == "staff_search")).all()
    assert len(searches) == 6 and searches[0].detail["query"] == "DP10000"


def test_wrong_staff_password_is_refused(client, demo, auth):
    response = auth.staff_login(password="nope")
    assert response.status_code == 422
    assert client.get("/staff/").status_code == 302


def test_pensioner_file_shows_status_payments_alerts_and_trail(client, demo, auth, db):
    auth.login("DP100003")
    auth.logout()
    auth.staff_login()
    page = client.get("/staff/pensioners/3").data.decode()
    assert "OUAZZANI" in page and "DP100003" in page and "Lyon" in page
    assert "MAD" in page and "Bienvenue dans votre espace" in page
    assert "<td>Connexion</td>" in page  # the pensioner's own login is in the trail
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "staff_view_pensioner")).one()
    assert event.target_id == 3 and event.actor_type == "staff"
    assert client.get("/staff/pensioners/999").status_code == 404


def test_advisers_cannot_open_admin_pages(client, demo, auth):
    auth.staff_login()
    assert client.get("/staff/admin/agencies").status_code == 403
    assert client.get("/staff/admin/staff").status_code == 403


def test_admin_adds_an_agency_and_a_staff_account(client, demo, auth, db):
    auth.staff_login("admin@demo.dialvie.ma", "Admin2026!")
    response = client.post(
        "/staff/admin/agencies", data={"code": "AGA", "name": "Agence Agadir", "city": "Agadir"}
    )
    assert response.status_code == 302
    assert db.exec(select(Agency).where(Agency.code == "AGA")).one().city == "Agadir"
    duplicate = client.post("/staff/admin/agencies", data={"code": "AGA", "name": "x", "city": "y"})
    assert duplicate.status_code == 422 and "Ce code existe déjà" in duplicate.data.decode()
    page = client.post(
        "/staff/admin/staff",
        data={"email": "Nouveau@Demo.ma", "name": "Nora", "role": "adviser", "agency_id": "1"},
    )
    assert "<code>" not in page.data.decode()  # e-mailed, never shown to the admin
    body = db.exec(select(OutboxMessage)).one().body
    password = re.search(r"provisoire : (\S+?)\.? ", body).group(1)
    staff = db.exec(select(StaffUser).where(StaffUser.email == "nouveau@demo.ma")).one()
    assert staff.agency_id == 1
    actions = [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert "agency_created" in actions and "staff_created" in actions
    other = client.application.test_client()
    assert (
        other.post(
            "/staff/login", data={"email": "nouveau@demo.ma", "password": password}
        ).status_code
        == 302
    )


def test_admin_deactivates_an_account_which_ends_its_session(app, demo, db):
    adviser, admin = app.test_client(), app.test_client()
    AuthActions(adviser).staff_login()
    AuthActions(admin).staff_login("admin@demo.dialvie.ma", "Admin2026!")
    target = db.exec(select(StaffUser).where(StaffUser.role == "adviser")).one()
    admin.post(f"/staff/admin/staff/{target.id}/active", data={"active": "0"})
    assert adviser.get("/staff/").status_code == 302
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "staff_deactivated")).one()
    assert event.target_id == target.id
    me = db.exec(select(StaffUser).where(StaffUser.role == "admin")).one()
    page = admin.post(
        f"/staff/admin/staff/{me.id}/active", data={"active": "0"}, follow_redirects=True
    )
    assert "propre compte" in page.data.decode()
    assert admin.get("/staff/").status_code == 200


def test_staff_navigation_leads_to_the_review_queue(client, demo, auth):
    auth.staff_login()
    page = client.get("/staff/").data.decode()
    assert 'href="/staff/review"' in page
    assert client.get("/staff/review").status_code == 200
