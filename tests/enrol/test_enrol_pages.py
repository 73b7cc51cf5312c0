"""The shared enrolment pages as a person uses them: choose, accept, consent, contact, code."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from webapp.models import Enrolment, FaceReference, OneTimeCode, OutboxMessage, utcnow
from webapp.services import enrolment as svc


def _start(client, procedure="passport"):
    assert client.post(f"/enrol/start/{procedure}").headers["Location"] == "/enrol/terms"
    return client.get_cookie("dv_enrol").value


def _consent(client, procedure="passport"):
    token = _start(client, procedure)
    client.post("/enrol/terms", data={"accept": "y"})
    client.post("/enrol/privacy", data={"consent_data": "y", "consent_biometric": "y"})
    return token


def _at_contact(client, db, pensioner, **data):
    """Consented, then the passport steps done (their pages belong to procedure 1)."""
    token = _consent(client)
    e = db.exec(select(Enrolment).where(Enrolment.token == token)).one()
    with client.application.test_request_context():
        for step in ("chip", "check"):
            svc.advance(db, e, step, **data)
        svc.match_pensioner(db, e, pensioner)
        svc.advance(db, e, "contact")
    return e


def _last_code(db):
    body = db.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first().body
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_home_shows_enrol_then_login_then_guide_then_verify(client):
    page = client.get("/").get_data(as_text=True)
    places = [page.index(t) for t in ("S'inscrire", "Connexion", "Guide d'utilisation")]
    assert places == sorted(places)
    assert page.index("Vérifier une attestation") > places[-1]


def test_enrol_page_explains_both_procedures_and_helps_choose(client):
    page = client.get("/enrol/").get_data(as_text=True)
    assert "1 - Récupération de la photo de votre passeport biométrique" in page
    assert "2 - Prise de photo par selfie" in page and "NFC" in page
    advice = client.get("/enrol/?passport=yes&android=no&agency=yes").get_data(as_text=True)
    assert "Nous vous conseillons la procédure 2" in advice
    advice = client.get("/enrol/?passport=yes&android=yes&agency=no").get_data(as_text=True)
    assert "Nous vous conseillons la procédure 1" in advice


def test_terms_must_be_ticked_before_going_on(client):
    _start(client)
    page = client.post("/enrol/terms", data={})
    assert page.status_code == 422
    assert "Cochez la case pour accepter les conditions." in page.get_data(as_text=True)
    assert client.post("/enrol/terms", data={"accept": "y"}).headers["Location"] == "/enrol/privacy"


def test_both_consents_are_needed_and_recorded_with_version_time_and_ip(client, db):
    token = _start(client, "agency")
    client.post("/enrol/terms", data={"accept": "y"})
    refused = client.post("/enrol/privacy", data={"consent_biometric": "y"})
    assert refused.status_code == 422
    assert "Ce consentement est nécessaire" in refused.get_data(as_text=True)
    e = db.exec(select(Enrolment).where(Enrolment.token == token)).one()
    assert e.step == "privacy" and e.consented_at is None
    client.post("/enrol/privacy", data={"consent_data": "y", "consent_biometric": "y"})
    db.refresh(e)
    assert e.step == "identity" and e.consented_at is not None
    assert (e.terms_version, e.privacy_version, e.consent_ip) == ("2026-11", "2026-11", "127.0.0.1")


def test_back_button_on_an_earlier_step_returns_to_the_current_one(client):
    _consent(client, "agency")
    for page in ("/enrol/terms", "/enrol/privacy", "/enrol/contact", "/enrol/code"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"] != page
    htmx = client.get("/enrol/terms", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"]


def test_step_pages_without_an_enrolment_lead_to_enrol(client):
    assert client.get("/enrol/code").headers["Location"] == "/enrol/"
    assert client.get("/enrol/resume").headers["Location"] == "/enrol/"


def test_pensioner_resumes_after_closing_the_browser_but_not_after_a_day(app, client, db):
    token = _start(client)
    client.post("/enrol/terms", data={"accept": "y"})
    fresh = app.test_client()  # no session: only the long-lived cookie
    fresh.set_cookie("dv_enrol", token)
    assert fresh.get("/enrol/resume").headers["Location"] == "/enrol/privacy"
    e = db.exec(select(Enrolment).where(Enrolment.token == token)).one()
    e.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    assert fresh.get("/enrol/privacy").headers["Location"] == "/enrol/?expired=1"
    assert "a expiré" in fresh.get("/enrol/?expired=1").get_data(as_text=True)


def test_mobile_is_checked_and_stored_in_international_form(client, db, pensioner):
    e = _at_contact(client, db, pensioner)
    bad = client.post("/enrol/contact", data={"gsm": "12345", "email": ""})
    assert bad.status_code == 422 and "Numéro de mobile invalide" in bad.get_data(as_text=True)
    ok = client.post("/enrol/contact", data={"gsm": "06 61 23 45 67", "email": "A@Example.ma"})
    assert ok.headers["Location"] == "/enrol/code"
    db.refresh(e)
    assert e.data["contact"] == {"gsm": "+212661234567", "email": "a@example.ma"}
    sms = db.exec(select(OutboxMessage)).one()
    assert sms.channel == "sms" and sms.destination == "+212661234567"
    page = client.get("/enrol/code").get_data(as_text=True)
    assert "+212661234567" in page


def test_foreign_passport_gets_the_code_by_email(client, db, other_pensioner):
    _at_contact(client, db, other_pensioner, nationality="FRA")
    missing = client.post("/enrol/contact", data={"gsm": "+33 6 12 34 56 78"})
    assert missing.status_code == 422 and "adresse e-mail" in missing.get_data(as_text=True)
    client.post("/enrol/contact", data={"gsm": "+33 6 12 34 56 78", "email": "paul@example.fr"})
    mail = db.exec(select(OutboxMessage)).one()
    assert mail.channel == "email" and mail.destination == "paul@example.fr"
    assert "enrolment code" in mail.subject  # the pensioner reads English


def test_wrong_code_says_how_many_tries_are_left_then_asks_for_a_new_one(client, db, pensioner):
    _at_contact(client, db, pensioner)
    client.post("/enrol/contact", data={"gsm": "0661234567"})
    code = _last_code(db)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page = client.post("/enrol/code", data={"code": wrong}).get_data(as_text=True)
    assert "Il vous reste 4 essais." in page
    for _ in range(4):
        page = client.post("/enrol/code", data={"code": wrong}).get_data(as_text=True)
    assert "Demandez un nouveau code" in page and 'name="code"' not in page
    too_soon = client.post("/enrol/code", data={"action": "resend"}).get_data(as_text=True)
    assert "Vous pourrez en demander un autre dans" in too_soon
    row = db.exec(select(OneTimeCode)).one()
    row.created_at = utcnow() - timedelta(minutes=2)
    db.commit()
    resent = client.post("/enrol/code", data={"action": "resend"}).get_data(as_text=True)
    assert "Un nouveau code vient d'être envoyé." in resent
    new_code = _last_code(db)
    assert client.post("/enrol/code", data={"code": new_code}).status_code == 302


def test_expired_code_is_explained(client, db, pensioner):
    _at_contact(client, db, pensioner)
    client.post("/enrol/contact", data={"gsm": "0661234567"})
    row = db.exec(select(OneTimeCode)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    page = client.post("/enrol/code", data={"code": _last_code(db)}).get_data(as_text=True)
    assert "Ce code a expiré" in page


def test_person_corrects_the_number_from_the_code_page(client, db, pensioner):
    e = _at_contact(client, db, pensioner)
    client.post("/enrol/contact", data={"gsm": "0661234567"})
    assert client.post("/enrol/code", data={"action": "change"}).headers["Location"] == (
        "/enrol/contact"
    )
    page = client.get("/enrol/contact").get_data(as_text=True)
    assert "+212661234567" in page  # what was typed is kept
    # Another number right away waits for the cool-down (SMS cost money), then goes.
    wait = client.post("/enrol/contact", data={"gsm": "0662000000"})
    assert wait.status_code == 422 and "Vous pourrez en demander un autre" in wait.text
    row = db.exec(select(OneTimeCode)).one()
    row.created_at = utcnow() - timedelta(minutes=2)
    db.commit()
    client.post("/enrol/contact", data={"gsm": "0662000000"})
    db.refresh(e)
    assert e.step == "code" and e.data["contact"]["gsm"] == "+212662000000"
    assert db.exec(select(OutboxMessage.destination).order_by(OutboxMessage.id)).all() == [
        "+212661234567",
        "+212662000000",
    ]


def test_right_code_leads_to_the_selfie_then_the_code_opens_the_account(
    client, db, pensioner, auth
):
    e = _at_contact(client, db, pensioner)
    client.post("/enrol/contact", data={"gsm": "0661234567", "email": "f@example.ma"})
    code = _last_code(db)
    client.post("/enrol/code", data={"code": code})
    db.refresh(e)
    assert e.step == "selfie"
    # The selfie step (procedure 1's page) stores the reference, then the account opens.
    db.add(FaceReference(pensioner_id=pensioner.id, template=b"x", source="passport"))
    db.commit()
    with client.application.test_request_context():
        svc.activate(db, e)
    login = auth.login(pensioner.dp_number, code)
    assert login.headers["Location"].startswith("/auth/password")
    assert client.get("/space/").headers["Location"].startswith("/auth/password")
    changed = client.post(
        "/auth/password",
        data={"current": code, "new": "Nouveau2026", "confirm": "Nouveau2026"},
    )
    assert changed.headers["Location"] == "/space/"
    assert client.get("/space/").status_code == 200


def test_cancel_ends_the_enrolment_and_forgets_it(client, db):
    token = _consent(client)
    assert "Oui, abandonner" in client.get("/enrol/cancel").get_data(as_text=True)
    assert client.post("/enrol/cancel").headers["Location"] == "/?cancelled=1"
    assert db.exec(select(Enrolment).where(Enrolment.token == token)).one().status == "cancelled"
    assert client.get("/enrol/resume").headers["Location"] == "/enrol/"


def test_one_address_cannot_open_enrolments_without_end(pg_url):
    from webapp import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": pg_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "ENROL_START_LIMIT": "2 per hour",
            "REDIS_URL": "",
        }
    )
    client = app.test_client()
    try:
        assert client.post("/enrol/start/agency").status_code == 302
        assert client.post("/enrol/start/passport").status_code == 302
        assert client.post("/enrol/start/agency").status_code == 429
        assert client.get("/enrol/start/agency").status_code == 200  # reading is not limited
    finally:
        from tests.conftest import _truncate

        _truncate(app)
        app.extensions["db_engine"].dispose()
