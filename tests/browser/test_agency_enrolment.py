"""Procedure 2 in Chromium: the pensioner's phone (390×844, fake camera) and the adviser's desk.

The phone's camera plays a still portrait of the demo pensioner DP100011 (Eileen
Collins's, ``skimage.data.astronaut``); liveness is off in this server's
configuration (a still picture cannot move), so the selfies are really encoded
and compared by the face engine: the home selfie becomes the pending reference,
the agency's is compared with it. A second phone whose camera shows someone
else (Grace Hopper) is refused at the agency. Codes are read from the outbox.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import datetime, time, timedelta

import matplotlib.cbook
import pytest
import skimage.data
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text
from werkzeug.serving import make_server

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, QuietHandler, reset_database
from tests.browser.test_proof_camera import write_y4m
from webapp import create_app

pytestmark = pytest.mark.browser
DP = "DP100011"
SHOTS = "/tmp/agency-shots"


@pytest.fixture(scope="module")
def server(pg_url) -> Iterator:
    """The app (CSRF on, jobs inline, liveness off) on a free port, demo seeded."""
    from webapp.db import engine, get_session
    from webapp.services import demo

    app = create_app(
        {
            "DATABASE_URL": pg_url,
            "REDIS_URL": "",
            "SECRET_KEY": "browser-test-secret",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": True,
            "PROOF_LIVENESS_REQUIRED": False,
            "OTP_RESEND_SECONDS": 0,
        }
    )
    with app.app_context():
        with engine().begin() as conn:
            names = [
                r[0]
                for r in conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                        "AND tablename <> 'alembic_version'"
                    )
                )
            ]
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        demo.seed(get_session())
    srv = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{srv.server_port}"
    yield app
    srv.shutdown()
    thread.join(timeout=5)
    # The database is shared with the other browser tests: give them back the plain demo.
    reset_database(app)
    app.extensions["db_engine"].dispose()


def _camera(playwright, tmp_path_factory, picture: Image.Image, name: str) -> Browser:
    video = write_y4m(tmp_path_factory.mktemp("camera") / f"{name}.y4m", picture)
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )


@pytest.fixture(scope="module")
def holder_phone(playwright, tmp_path_factory) -> Iterator[Browser]:
    browser = _camera(
        playwright, tmp_path_factory, Image.fromarray(skimage.data.astronaut()), "holder"
    )
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def stranger_phone(playwright, tmp_path_factory) -> Iterator[Browser]:
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as handle:
        picture = Image.open(handle).convert("RGB")
    browser = _camera(playwright, tmp_path_factory, picture, "stranger")
    yield browser
    browser.close()


def _phone(browser: Browser, app, lang: str = "fr") -> Page:
    context = browser.new_context(
        base_url=app.config["PUBLIC_BASE_URL"], locale=f"{lang}-MA", **PHONE
    )
    context.set_default_timeout(30_000)
    return context.new_page()


def _sql(app, statement: str, **params) -> list:
    from webapp.db import engine

    with app.app_context(), engine().begin() as conn:
        result = conn.execute(text(statement), params)
        return list(result) if result.returns_rows else []


def _outbox_code(app, pattern=r"\b(\d{6})\b") -> str:
    body = _sql(app, "SELECT body FROM outbox_message ORDER BY id DESC LIMIT 1")[0][0]
    return re.search(pattern, body).group(1)


def _selfie(page: Page, decision: str) -> None:
    page.get_by_role("button", name="Je suis prêt").click()
    outcome = page.locator("#proof-attempt")
    expect(outcome).to_have_attribute("data-decision", decision, timeout=60_000)


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_enrolment_by_selfie_and_agency_visit_end_to_end(
    server, holder_phone, stranger_phone, browser
):
    app = server
    phone = _phone(holder_phone, app)
    # a. « S'inscrire », procedure 2, the CGU and both consents (the shared pages).
    phone.goto("/")
    phone.locator("a[href='/enrol/']").first.click()
    phone.locator("#procedure-agency a.btn-primary").click()
    phone.locator("form[action='/enrol/start/agency'] button[type=submit]").click()
    phone.locator("#accept").check()
    phone.locator("form[action='/enrol/terms'] button[type=submit]").click()
    phone.locator("#consent_data").check()
    phone.locator("#consent_biometric").check()
    phone.locator("form[action='/enrol/privacy'] button[type=submit]").click()
    phone.wait_for_url("**/enrol/agency/identity")

    # b. Personal data: a wrong number is a dead end with the fund's contact; then right.
    phone.goto("/enrol/agency/identity")
    for field, value in (
        ("dp_number", DP),
        ("last_name", "El Fassi"),
        ("first_name", "Zineb"),
        ("birth_date", "1947-06-02"),
        ("document_number", "F334456"),
    ):
        phone.locator(f"#{field}").fill(value)
    phone.locator("#agency-identity button[type=submit]").click()
    expect(phone.locator("#identity-dead-end")).to_contain_text("Aucun dossier ne correspond")
    expect(phone.locator("#agency-identity")).to_contain_text(app.config["FUND_CONTACT_PHONE"])
    phone.locator("#document_number").fill("f 334455")
    phone.locator("#agency-identity button[type=submit]").click()

    # c. « Lancer »: the home selfie, kept as the pending reference.
    phone.wait_for_url("**/enrol/selfie")
    _selfie(phone, "match")
    assert _sql(app, "SELECT pending_reference IS NOT NULL FROM enrolment")[0][0]
    # d. Contact and the 6-digit code by SMS (she lives in Morocco): the shared pages.
    phone.locator("#selfie-next").click()
    phone.wait_for_url("**/enrol/contact")
    phone.locator("#gsm").fill("06 00 10 00 11")
    phone.locator("form[action='/enrol/contact'] button[type=submit]").click()
    phone.wait_for_url("**/enrol/code")
    assert _sql(app, "SELECT channel FROM outbox_message ORDER BY id DESC LIMIT 1")[0][0] == "sms"
    phone.locator("#code").fill(_outbox_code(app))
    phone.locator("form[action='/enrol/code'] button[type=submit]").first.click()
    phone.wait_for_url("**/enrol/agency/appointment")

    # e. The appointment. A closed day and a past date (typed in the address bar) first.
    from webapp.services import booking

    agency_id = _sql(app, "SELECT id FROM agency WHERE code='CAS'")[0][0]
    today = datetime.now(booking.AGENCY_TZ).date()
    sunday = today + timedelta(days=13 - today.weekday())
    for day, message in (
        (sunday, "L'agence est fermée ce jour-là"),
        (today - timedelta(days=2), "Cette date est passée"),
    ):
        when = datetime.combine(day, time(9), booking.AGENCY_TZ).isoformat()
        phone.goto(f"/enrol/agency/appointment/confirm?agency={agency_id}&starts_at={when}")
        expect(phone.locator("#appointment-error")).to_contain_text(message)
    # Agency, day, time, « Valider », summary, « Je confirme ».
    phone.goto("/enrol/agency/appointment")
    phone.get_by_role("link", name=re.compile("Agence Casablanca Centre")).click()
    expect(phone.locator("#agency-days")).to_contain_text("+212522201010")
    phone.locator("#day-list a").first.click()
    slots = phone.locator(".slot input:not([disabled])")
    first, second = slots.nth(0).get_attribute("value"), slots.nth(1).get_attribute("value")
    slots.nth(0).check()
    phone.get_by_role("button", name="Valider").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Confirmer le rendez-vous")
    _shot(phone, "confirm-fr-390")
    # Meanwhile two other pensioners take both places of that slot.
    from webapp.db import get_session

    with app.app_context():
        db = get_session()
        for pid in (1, 2):
            booking.book(
                db,
                agency_id=agency_id,
                pensioner_id=pid,
                starts_at=datetime.fromisoformat(first),
                purpose="visit",
            )
    phone.get_by_role("button", name="Je confirme").click()
    expect(phone.locator("#appointment-error")).to_contain_text("Ce créneau est complet")
    expect(phone.locator(f'.slot-full input[value="{first}"]')).to_be_disabled()
    phone.locator(f'input[value="{second}"]').check()
    phone.get_by_role("button", name="Valider").click()
    phone.get_by_role("button", name="Je confirme").click()
    phone.wait_for_url("**/enrol/agency/booked")
    expect(phone.locator("#code-sent")).to_contain_text("SMS au +2126•••••11")
    _shot(phone, "booked-fr-390")

    desk_day = datetime.fromisoformat(second).astimezone(booking.AGENCY_TZ).date()

    # f. The code sent; it expires before the visit: a new one is asked for.
    _sql(app, "UPDATE one_time_code SET expires_at = now() - interval '1 minute'")
    expired_code = _outbox_code(app)
    agency_phone = _phone(holder_phone, app)  # at the agency, a fresh session
    agency_phone.goto("/auth/login")
    agency_phone.get_by_role("link", name="Connexion avec le code reçu").click()
    agency_phone.locator("#dp_number").fill(DP)
    agency_phone.locator("#code").fill(expired_code)
    agency_phone.locator("#agency-visit-login").get_by_role("button", name="Connexion").click()
    expect(agency_phone.locator("#visit-error")).to_contain_text("Ce code a expiré")
    agency_phone.locator("#visit-resend").click()
    expect(agency_phone.locator("#visit-code-sent")).to_be_visible()
    code = _outbox_code(app)

    # g. Someone else with that code: the selfie does not match the pending one.
    stranger = _phone(stranger_phone, app)
    stranger.goto("/enrol/agency/visit/login")
    stranger.locator("#dp_number").fill(DP)
    stranger.locator("#code").fill(code)
    stranger.locator("#agency-visit-login").get_by_role("button", name="Connexion").click()
    stranger.get_by_role("button", name="Commencer").click()
    stranger.wait_for_url("**/enrol/selfie")
    _selfie(stranger, "no_match")
    expect(stranger.locator("#proof-attempt")).to_contain_text("La vérification n'a pas réussi")
    stranger.context.close()

    # The pensioner herself: a new code, « Connexion », the selfie matches.
    agency_phone.goto("/enrol/agency/visit/login")
    agency_phone.locator("#dp_number").fill(DP)
    agency_phone.locator("#agency-visit-login").get_by_role("button", name="Connexion").click()
    agency_phone.locator("#visit-resend").click()
    agency_phone.locator("#dp_number").fill(DP)
    agency_phone.locator("#code").fill(_outbox_code(app))
    agency_phone.locator("#agency-visit-login").get_by_role("button", name="Connexion").click()
    agency_phone.wait_for_url("**/enrol/selfie")
    _selfie(agency_phone, "match")
    agency_phone.goto("/enrol/agency/visit/code")
    expect(agency_phone.locator("#agency-adviser-code")).to_contain_text("2 juin 1947")

    # The adviser's desk: the day's list, check-in, the identity check, the code.
    desk = browser.new_context(
        base_url=app.config["PUBLIC_BASE_URL"],
        locale="fr-FR",
        viewport={"width": 1280, "height": 900},
    ).new_page()
    desk.goto("/staff/login")
    desk.locator("#email").fill("conseiller@demo.dialvie.ma")
    desk.locator("#password").fill("Conseil2026!")
    desk.locator("form:has(#password) button[type=submit]").click()
    # A no-show: DP100003's appointment of last week (booked then) is marked absent.
    with app.app_context():
        db = get_session()
        past_day = today - timedelta(days=7)
        while past_day.weekday() >= 5 or booking.closed_days(db, agency_id, past_day, past_day):
            past_day -= timedelta(days=1)
        past = datetime.combine(past_day, time(10), booking.AGENCY_TZ)
        missed = booking.book(
            db,
            agency_id=agency_id,
            pensioner_id=3,
            starts_at=past,
            purpose="visit",
            now=past - timedelta(days=3),
        )
    desk.goto(f"/staff/appointments/{missed.id}")
    desk.get_by_role("button", name="Noter l'absence").click()
    expect(desk.locator(".appt-no_show").first).to_have_text("Absent")
    desk.goto(f"/staff/appointments?day={desk_day.isoformat()}")
    desk.locator("#appointments tr", has_text="EL FASSI").get_by_role("link", name="Ouvrir").click()
    desk.get_by_role("button", name="Enregistrer l'arrivée").click()
    # The home selfie beside the name and birth date (one frame, sealed until the visit).
    photo = desk.locator("#identity-check img")
    expect(photo).to_be_visible()
    # Loaded and decoded (the picture arrives after the page; wait for it, don't race it).
    desk.wait_for_function(
        "() => { const i = document.querySelector('#identity-check img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    desk.locator("#document_type").select_option("cin")
    desk.locator("#document_number").fill("F334456")
    desk.get_by_role("button", name="Vérifier la pièce").click()
    expect(desk.locator("#desk-error")).to_contain_text("ne correspond pas à celui du dossier")
    desk.locator("#document_number").fill("F334455")
    desk.get_by_role("button", name="Vérifier la pièce").click()
    expect(desk.locator("#identity-ok")).to_be_visible()
    desk.get_by_role("button", name="Générer le code de vérification").click()
    adviser_code = desk.locator("#adviser-code").inner_text().strip()
    _shot(desk, "desk-appointment-fr")

    # The adviser types the code on the pensioner's phone: a wrong one first.
    agency_phone.locator("#code").fill("000000" if adviser_code != "000000" else "111111")
    agency_phone.get_by_role("button", name="Confirmer").click()
    expect(agency_phone.locator("#adviser-error")).to_contain_text("Code incorrect")
    agency_phone.locator("#code").fill(adviser_code)
    agency_phone.get_by_role("button", name="Confirmer").click()
    agency_phone.wait_for_url("**/enrol/agency/done")
    password = _outbox_code(app, r"provisoire : (\S+)\.")
    agency_phone.get_by_role("link", name="Se connecter").click()
    agency_phone.locator("#dp_number").fill(DP)
    agency_phone.locator("#password").fill(password)
    agency_phone.locator("form:has(#password) button[type=submit]").click()
    agency_phone.wait_for_url("**/auth/password**")
    agency_phone.locator("#current").fill(password)
    agency_phone.locator("#new").fill("Zineb2026!x")
    agency_phone.locator("#confirm").fill("Zineb2026!x")
    agency_phone.get_by_role("button", name="Enregistrer").click()
    agency_phone.wait_for_url("**/space/")
    assert _sql(
        app,
        "SELECT account_status, must_change_password FROM pensioner WHERE dp_number=:dp",
        dp=DP,
    )[0] == ("active", False)
    assert (
        _sql(
            app,
            "SELECT source FROM face_reference fr JOIN pensioner p "
            "ON p.id = fr.pensioner_id WHERE p.dp_number=:dp",
            dp=DP,
        )[0][0]
        == "agency"
    )
