"""A new e-mail address takes effect only once the code or link sent to it is confirmed."""

import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from webapp.models import Alert, AuditEvent, OneTimeCode, OutboxMessage, Pensioner, utcnow
from webapp.services import notify

OLD, NEW = "m.benani@example.ma", "nouveau@example.ma"
FORM = {
    "email": NEW,
    "country": "MAR",
    "gsm": "+212612345678",
    "address": "12, rue Ibn Batouta",
    "city": "Casablanca",
    "password": "Demo2026!",
}


def _pensioner(db, dp="DP100001") -> Pensioner:
    pensioner = db.exec(select(Pensioner).where(Pensioner.dp_number == dp)).one()
    db.refresh(pensioner)
    return pensioner


def _mail_to(db, address):
    """The newest message the outbox holds for ``address``."""
    rows = db.exec(
        select(OutboxMessage)
        .where(OutboxMessage.destination == address)
        .order_by(OutboxMessage.id.desc())  # type: ignore[union-attr]
    ).all()
    return rows[0] if rows else None


def _code(db, address=NEW) -> str:
    body = _mail_to(db, address).body
    return re.search(r"\b(\d{6})\b", body).group(1)


def _link_path(db, address=NEW) -> str:
    body = _mail_to(db, address).body
    return re.search(r"http://localhost(/space/email/\S+)", body).group(1)


def _ask(client, auth, **changes):
    auth.login()
    return client.post("/space/contact", data={**FORM, **changes})


def test_a_new_email_waits_for_the_code_sent_to_it(client, app, demo, auth, db):
    response = _ask(client, auth)
    assert response.status_code == 200
    page = html_text(response)
    assert f"Un code a été envoyé à {NEW}" in page
    pensioner = _pensioner(db)
    assert (pensioner.email, pensioner.pending_email) == (OLD, NEW)
    mail = _mail_to(db, NEW)
    assert "Confirmez votre nouvelle adresse e-mail" in mail.subject
    assert re.search(r"\b\d{6}\b", mail.body) and "/space/email/" in mail.body
    # The stored code is hashed: the clear code is nowhere in the table.
    row = db.exec(select(OneTimeCode).where(OneTimeCode.purpose == "email_change")).one()
    assert _code(db) not in row.code_hash and row.destination == NEW
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "email_change_requested")).one()
    # Until it is confirmed, messages still go to the old address.
    with app.app_context():
        from webapp.db import get_session

        session = get_session()
        queued = notify.notify(
            session,
            "pol_open",
            pensioner=session.get(Pensioner, pensioner.id),
            channel="email",
            scope="test",
            deadline=date(2026, 1, 20),
            lang="fr",
        )
    assert queued is not None and queued.destination == OLD
    assert _mail_to(db, OLD) is not None


def test_the_right_code_swaps_the_address_and_tells_the_old_one(client, demo, auth, db):
    _ask(client, auth)
    response = client.post("/space/contact/email", data={"code": _code(db)})
    assert response.status_code == 200
    page = html_text(response)
    assert f"Votre nouvelle adresse e-mail est confirmée : {NEW}" in page
    assert "Un code a été envoyé à" not in page
    pensioner = _pensioner(db)
    assert (pensioner.email, pensioner.pending_email) == (NEW, None)
    told = _mail_to(db, OLD)
    assert "Votre adresse e-mail a été changée" in told.subject
    assert "Si ce n'est pas vous, contactez votre caisse" in told.body
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "contact_updated")).one()
    assert event.detail["fields"] == ["email"]
    assert db.exec(select(Alert).where(Alert.kind == "email_changed")).one()
    alerts = client.get("/space/alerts").get_data(as_text=True)
    assert "Adresse e-mail changée" in alerts


def test_other_fields_are_saved_at_once_while_the_email_waits(client, demo, auth, db):
    response = _ask(client, auth, city="Rabat")
    assert "Vos coordonnées ont été enregistrées." in html_text(response)
    pensioner = _pensioner(db)
    assert (pensioner.city, pensioner.email, pensioner.pending_email) == ("Rabat", OLD, NEW)


def test_a_wrong_code_counts_the_tries_then_the_code_is_used_up(client, demo, auth, db):
    _ask(client, auth)
    right = _code(db)
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        response = client.post("/space/contact/email", data={"code": wrong})
        assert response.status_code == 422
        assert f"Il vous reste {left} essai" in response.get_data(as_text=True)
    response = client.post("/space/contact/email", data={"code": wrong})
    assert "Trop d'essais avec ce code" in html_text(response)
    # Even the right code is refused now, and the page offers a new one.
    response = client.post("/space/contact/email", data={"code": right})
    assert response.status_code == 422
    assert _pensioner(db).email == OLD
    page = html_text(client.get("/space/contact"))
    assert "Trop d'essais avec ce code" in page and "Recevoir un nouveau code" in page


def test_an_expired_code_says_so_and_a_new_one_works(client, app, demo, auth, db):
    _ask(client, auth)
    old_code = _code(db)
    row = db.exec(select(OneTimeCode).where(OneTimeCode.purpose == "email_change")).one()
    row.expires_at = row.created_at = utcnow() - timedelta(minutes=31)
    db.commit()
    page = client.get("/space/contact").get_data(as_text=True)
    assert "Ce code a expiré. Demandez un nouveau code." in page
    response = client.post("/space/contact/email", data={"code": old_code})
    assert response.status_code == 422 and "Ce code a expiré" in response.get_data(as_text=True)
    response = client.post("/space/contact/email", data={"action": "resend"})
    assert "Un nouveau code vient d'être envoyé." in html_text(response)
    assert len(_mail_to_all(db, NEW)) == 2
    client.post("/space/contact/email", data={"code": _code(db)})
    assert _pensioner(db).email == NEW


def _mail_to_all(db, address):
    return db.exec(select(OutboxMessage).where(OutboxMessage.destination == address)).all()


def test_a_new_code_is_refused_during_the_cool_down(client, demo, auth, db):
    _ask(client, auth)
    response = client.post("/space/contact/email", data={"action": "resend"})
    assert response.status_code == 422
    assert "Vous pourrez en demander un autre dans" in response.get_data(as_text=True)
    assert len(_mail_to_all(db, NEW)) == 1
    # A second address right away is refused the same way, next to the field.
    response = client.post("/space/contact", data={**FORM, "email": "autre@example.ma"})
    assert response.status_code == 422
    assert re.search(
        r'id="email-error"[^>]*>.*Vous pourrez en demander un autre', response.data.decode(), re.S
    )
    assert _pensioner(db).pending_email == NEW


def test_cancel_forgets_the_new_address_and_kills_its_code(client, demo, auth, db):
    _ask(client, auth)
    code, link = _code(db), _link_path(db)
    response = client.post("/space/contact/email", data={"action": "cancel"})
    page = html_text(response)
    assert (
        "Le changement d'adresse e-mail est annulé." in page and "Un code a été envoyé" not in page
    )
    assert _pensioner(db).pending_email is None
    response = client.post("/space/contact/email", data={"code": code})
    assert response.status_code == 422
    assert "Aucun changement d'adresse e-mail n'est en attente." in html_text(response)
    assert client.post(link).status_code == 410
    assert _pensioner(db).email == OLD
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "email_change_cancelled")).one()
    again = client.post("/space/contact/email", data={"action": "cancel"})
    assert again.status_code == 422 and "n'est en attente" in html_text(again)


def test_an_address_of_another_account_is_refused(client, demo, auth, db):
    response = _ask(client, auth, email="F.ElIdrissi@example.ma")
    assert response.status_code == 422
    assert "déjà utilisée par un autre compte" in response.get_data(as_text=True)
    assert _pensioner(db).pending_email is None
    assert _mail_to(db, "f.elidrissi@example.ma") is None


def test_an_address_taken_meanwhile_is_refused_at_confirmation(client, demo, auth, db):
    _ask(client, auth)
    other = _pensioner(db, "DP100002")
    other.email = NEW
    db.commit()
    response = client.post("/space/contact/email", data={"code": _code(db)})
    assert response.status_code == 422
    assert "déjà utilisée par un autre compte" in response.get_data(as_text=True)
    pensioner = _pensioner(db)
    assert (pensioner.email, pensioner.pending_email) == (OLD, None)


def test_the_link_asks_for_a_click_then_confirms_once_without_login(client, app, demo, auth, db):
    _ask(client, auth)
    link = _link_path(db)
    auth.logout()
    # A mail scanner that follows the link changes nothing.
    page = client.get(link)
    assert page.status_code == 200
    assert NEW in html_text(page) and "Confirmer la nouvelle adresse" in html_text(page)
    assert _pensioner(db).email == OLD
    done = client.post(link)
    assert done.status_code == 200
    assert f"Votre nouvelle adresse e-mail est confirmée : {NEW}" in html_text(done)
    assert _pensioner(db).email == NEW
    assert "Votre adresse e-mail a été changée" in _mail_to(db, OLD).subject
    # Single use: the same link, and the code it came with, no longer work.
    again = client.post(link)
    assert again.status_code == 410 and "plus valable" in again.get_data(as_text=True)


def html_text(response) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def test_a_tampered_or_replaced_link_is_refused(client, demo, auth, db):
    _ask(client, auth)
    link = _link_path(db)
    assert client.get(link[:-2] + "xx").status_code == 410
    assert client.get("/space/email/not-a-token").status_code == 410
    # A new code (after the cool-down) replaces the link that came with the old one.
    row = db.exec(select(OneTimeCode).where(OneTimeCode.purpose == "email_change")).one()
    row.created_at = utcnow() - timedelta(minutes=2)
    db.commit()
    client.post("/space/contact/email", data={"action": "resend"})
    assert client.post(link).status_code == 410
    assert client.post(_link_path(db)).status_code == 200
    assert _pensioner(db).email == NEW


@pytest.mark.parametrize("password", ["", "pas-le-bon1"])
def test_no_code_goes_without_the_right_password(client, demo, auth, db, password):
    response = _ask(client, auth, password=password)
    assert response.status_code == 422
    assert _mail_to(db, NEW) is None and _pensioner(db).pending_email is None


def test_the_same_address_again_changes_nothing(client, demo, auth, db):
    _ask(client, auth)
    response = client.post("/space/contact", data={**FORM, "password": ""})
    assert response.status_code == 200
    assert len(_mail_to_all(db, NEW)) == 1 and _pensioner(db).pending_email == NEW


def test_the_notices_are_in_the_pensioners_language(client, demo, auth, db):
    pensioner = _pensioner(db)
    pensioner.language = "ar"
    db.commit()
    _ask(client, auth)
    assert "Confirmez" not in _mail_to(db, NEW).subject
    client.post("/space/contact/email", data={"code": _code(db)})
    told = _mail_to(db, OLD)
    assert "changée" not in told.subject and re.search(r"[\u0600-\u06ff]", told.body)


def test_the_link_uses_the_public_address_not_the_request_host(app):
    from webapp.space.routes import _confirm_url

    with app.test_request_context("/space/contact", base_url="http://evil.example"):
        assert _confirm_url("abc") == "http://localhost/space/email/abc"


def test_a_blank_email_is_removed_at_once_and_the_old_address_told(client, demo, auth, db):
    response = _ask(client, auth, email="")
    assert response.status_code == 200
    pensioner = _pensioner(db)
    assert (pensioner.email, pensioner.pending_email) == (None, None)
    assert "Votre adresse e-mail a été changée" in _mail_to(db, OLD).subject


def test_an_address_is_shown_escaped_and_may_wrap_on_a_small_phone(client, demo, auth, db):
    response = _ask(client, auth, email="a<b>c@example.ma")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<b>" not in page
    wrapped = '<bdi dir="ltr" class="destination">a&lt;b&gt;c<wbr>@example<wbr>.ma</bdi>'
    assert wrapped in page


def test_the_link_page_speaks_the_pensioners_language_on_another_device(app, client, demo, db):
    pensioner = _pensioner(db)
    pensioner.language = "ar"
    db.commit()
    auth_client = app.test_client()
    auth_client.post("/auth/login", data={"dp_number": "DP100001", "password": "Demo2026!"})
    auth_client.post("/space/contact", data=FORM)
    link = _link_path(db)
    page = client.get(link, headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    assert 'lang="ar"' in page.get_data(as_text=True) and 'dir="rtl"' in page.get_data(as_text=True)
    # A visitor who chose a language keeps it.
    client.set_cookie("lang", "en")
    assert 'lang="en"' in client.get(link).get_data(as_text=True)


def test_the_daily_limit_of_codes_says_to_come_back_tomorrow(app, client, demo, auth, db):
    app.config["OTP_DAILY_LIMIT_FILE"] = 2
    _ask(client, auth)
    for expected in (200, 422):
        row = db.exec(
            select(OneTimeCode)
            .where(OneTimeCode.purpose == "email_change")
            .order_by(OneTimeCode.id.desc())  # type: ignore[union-attr]
        ).first()
        row.created_at = utcnow() - timedelta(minutes=2)  # past the cool-down
        db.commit()
        response = client.post("/space/contact/email", data={"action": "resend"})
        assert response.status_code == expected
    assert "Trop de codes ont été demandés aujourd'hui" in html_text(response)
    assert len(_mail_to_all(db, NEW)) == 2


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"action": "zzz"},
        {"code": "abc"},
        {"code": "1" * 500},
        {"code": "12\x003456"},
        {"action": "resend"},
        {"action": "cancel"},
    ],
)
def test_odd_input_on_the_code_form_never_breaks_the_page(client, demo, auth, db, data):
    auth.login()
    response = client.post("/space/contact/email", data=data)
    assert response.status_code in (200, 400, 422)
    assert _pensioner(db).email == OLD


def test_odd_links_never_break_the_page(client, demo):
    for token in ("x" * 3000, "WzEsMV0.abc.def", "%00", "a.b"):
        response = client.get(f"/space/email/{token}")
        assert response.status_code in (404, 410), token
        assert client.post(f"/space/email/{token}").status_code in (404, 410)
