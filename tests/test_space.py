"""The pensioner's space: payments, alerts, contact details; full pages and htmx partials."""

import html
import re

from sqlmodel import select

from webapp.models import Alert, AuditEvent, Pensioner


def test_payments_are_listed_newest_first_with_french_formatting(client, demo, auth):
    auth.login()
    page = client.get("/space/payments").data.decode()
    months = re.findall(r'class="payment-month">([^<]+)<', page)
    # The current and previous years are open; older years load when opened.
    assert len(months) >= 13
    years = [int(m.split()[-1]) for m in months]
    assert years == sorted(years, reverse=True) and len(set(years)) == 2
    # 11 200,00 gross, 12 % IGR → 9 856,00 net, with a narrow no-break space grouping.
    assert re.search(r"9\s856,00\sMAD", page)
    assert "Payé par :" in page and "Virement" in page
    assert re.search(r"\b(JANVIER|DÉCEMBRE|MAI) 20\d\d\b", page)


def test_payments_are_grouped_by_year_with_a_total_and_older_years_on_demand(client, demo, auth):
    auth.login()
    page = html.unescape(client.get("/space/payments").get_data(as_text=True))
    labels = [int(y) for y in re.findall(r'class="year-label">(\d{4})<', page)]
    assert len(labels) >= 8 and labels == sorted(labels, reverse=True)
    oldest = labels[-1]
    # 12 months of 9 856,00 net in a full year.
    full_year = labels[2]
    assert f'hx-get="/space/payments/{full_year}"' in page
    assert re.search(r"Total net : 118\s272,00\sMAD", page)
    year = client.get(
        f"/space/payments/{full_year}",
        headers={"HX-Request": "true", "HX-Target": f"payments-{full_year}"},
    ).get_data(as_text=True)
    assert year.count('class="payment-month"') == 12 and "<h1>" not in year
    assert f'id="payments-{full_year}"' in year
    # Without script, the same year is a page of its own.
    full = client.get(f"/space/payments/{oldest}").get_data(as_text=True)
    assert "<html" in full and f"— {oldest}" in full
    assert client.get("/space/payments/1901").status_code == 404


def test_unchanged_payments_answer_304_and_a_new_payment_renews_them(client, demo, auth, db):
    from webapp.models import Payment, Pensioner

    auth.login()
    first = client.get("/space/payments")
    etag = first.headers["ETag"]
    again = client.get("/space/payments", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    # The htmx partial and the full page are different answers.
    partial = client.get("/space/payments", headers={"If-None-Match": etag, "HX-Request": "true"})
    assert partial.status_code == 200
    owner = db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
    last = db.exec(select(Payment).where(Payment.pensioner_id == owner.id)).first()
    last.net += 100
    db.commit()
    changed = client.get("/space/payments", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


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
    # The city at once; the e-mail only once the code sent to it is confirmed.
    assert (pensioner.email, pensioner.city) == ("m.benani@example.ma", "Rabat")
    assert pensioner.pending_email == "nouveau@example.ma"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "contact_updated")).one()
    assert set(event.detail["fields"]) == {"city"}


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


def test_contact_details_the_fund_needs_cannot_be_blanked(client, demo, auth, db):
    auth.login()
    form = {"email": "m.benani@example.ma", "country": "MAR", "gsm": "", "address": " ", "city": ""}
    response = client.post("/space/contact", data=form)
    assert response.status_code == 422
    page = response.data.decode()
    assert re.search(r'id="gsm-error"[^>]*>.*Indiquez votre numéro de téléphone', page, re.S)
    assert re.search(r'id="address-error"[^>]*>.*Indiquez votre adresse', page, re.S)
    assert re.search(r'id="city-error"[^>]*>.*Indiquez votre ville', page, re.S)
    pensioner = db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
    assert pensioner.city == "Casablanca" and pensioner.gsm


def test_phone_is_checked_and_stored_in_international_form(client, demo, auth, db):
    auth.login()
    form = {
        "email": "m.benani@example.ma",
        "country": "MAR",
        "address": "12, rue Ibn Batouta",
        "city": "Casablanca",
    }
    bad = client.post("/space/contact", data={**form, "gsm": "06 12 34"})
    assert bad.status_code == 422 and "Numéro invalide" in bad.data.decode()
    assert client.post("/space/contact", data={**form, "gsm": "06 61 23 45 67"}).status_code == 200
    pensioner = db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
    db.refresh(pensioner)
    assert pensioner.gsm == "+212661234567"


def test_a_wrong_password_on_email_change_says_it_is_wrong(client, demo, auth):
    auth.login()
    form = {
        "email": "nouveau@example.ma",
        "country": "MAR",
        "gsm": "+212612345678",
        "address": "12, rue Ibn Batouta",
        "city": "Casablanca",
        "password": "pas-le-bon1",
    }
    response = client.post("/space/contact", data=form)
    assert response.status_code == 422
    assert re.search(
        r'id="password-error"[^>]*>.*Mot de passe incorrect', response.data.decode(), re.S
    )
