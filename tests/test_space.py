"""The pensioner's space: payments, alerts, contact details; full pages and htmx partials."""

import re

from sqlmodel import select

from webapp.models import Alert, AuditEvent, Pensioner


def test_payments_are_listed_newest_first_with_french_formatting(client, demo, auth):
    auth.login()
    page = client.get("/space/payments").data.decode()
    months = re.findall(r'class="payment-month">([^<]+)<', page)
    assert len(months) >= 96
    years = [int(m.split()[-1]) for m in months]
    assert years == sorted(years, reverse=True)
    # 11 200,00 gross, 12 % IGR → 9 856,00 net, with a narrow no-break space grouping.
    assert re.search(r"9\s856,00\sMAD", page)
    assert "Payé par :" in page and "Virement" in page
    assert re.search(r"\b(JANVIER|DÉCEMBRE|MAI) 20\d\d\b", page)


def test_screens_work_as_htmx_partials_and_full_pages(client, demo, auth):
    auth.login()
    for url in (
        "/space/",
        "/space/payments",
        "/space/alerts",
        "/space/contact",
        "/space/attestation",
    ):
        full = client.get(url)
        partial = client.get(url, headers={"HX-Request": "true"})
        assert full.status_code == partial.status_code == 200, url
        assert b"<html" in full.data and b"<html" not in partial.data
        assert b'id="shortcuts"' in partial.data and b'hx-swap-oob="true"' in partial.data
        assert "HX-Request" in partial.headers["Vary"]
        history = client.get(
            url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
        )
        assert b"<html" in history.data


def test_alerts_newest_first_and_unread_count_clears(client, demo, auth, db):
    auth.login()
    home = client.get("/space/").data.decode()
    assert re.search(r'id="unread-count">3<', home)
    page = client.get("/space/alerts").data.decode()
    assert page.count('class="tag">Nouveau<') == 3
    home = client.get("/space/").data.decode()
    assert 'id="unread-count"' not in home
    assert all(a.read_at is not None for a in db.exec(select(Alert)).all() if a.pensioner_id == 1)


def test_contact_details_are_validated_next_to_the_field(client, demo, auth):
    auth.login()
    response = client.post(
        "/space/contact",
        data={"email": "pas-un-email", "country": "MAR", "children": "99", "gsm": "abc"},
    )
    assert response.status_code == 422
    page = response.data.decode()
    assert re.search(r'id="email-error"[^>]*>.*Adresse e-mail invalide', page, re.S)
    assert re.search(r'id="children-error"[^>]*>.*Entre 0 et 30', page, re.S)
    assert re.search(r'id="gsm-error"[^>]*>.*Numéro invalide', page, re.S)
    assert 'aria-invalid="true"' in page


def test_changing_email_asks_for_the_password(client, demo, auth, db):
    auth.login()
    form = {
        "email": "nouveau@example.ma",
        "country": "MAR",
        "children": "3",
        "marital_status": "married",
        "city": "Rabat",
    }
    response = client.post("/space/contact", data=form)
    assert response.status_code == 422
    assert b"Saisissez votre mot de passe pour changer" in response.data
    pensioner = db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
    assert pensioner.email == "m.benani@example.ma" and pensioner.city == "Casablanca"
    response = client.post("/space/contact", data={**form, "password": "Demo2026!"})
    assert response.status_code == 200
    assert "Vos coordonnées ont été enregistrées.".encode() in response.data
    db.refresh(pensioner)
    assert (pensioner.email, pensioner.city) == ("nouveau@example.ma", "Rabat")
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "contact_updated")).one()
    assert set(event.detail["fields"]) == {"email", "city"}


def test_other_fields_change_without_password(client, demo, auth, db):
    auth.login()
    response = client.post(
        "/space/contact",
        data={
            "email": "m.benani@example.ma",
            "country": "FRA",
            "children": "4",
            "city": "Lyon",
            "address": "3 rue X",
            "marital_status": "widowed",
            "gsm": "+33 6 11 22 33 44",
        },
    )
    assert response.status_code == 200
    pensioner = db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
    db.refresh(pensioner)
    assert (pensioner.country, pensioner.children, pensioner.gsm) == ("FRA", 4, "+33611223344")


def test_unknown_page_gets_a_friendly_404(client):
    response = client.get("/space/nowhere")
    assert response.status_code == 404
    assert b"Page introuvable" in response.data


def test_unexpected_error_shows_a_reference_that_is_logged(app, client, caplog):
    @app.route("/boom")
    def boom():
        raise RuntimeError("kaput")

    response = client.get("/boom")
    assert response.status_code == 500
    ref = re.search(r"Référence de l.erreur : ([0-9A-F]{8})", response.data.decode())
    assert ref is not None
    assert ref.group(1) in caplog.text and "kaput" in caplog.text
    assert b"Traceback" not in response.data
