"""Procedure 1 end to end in Chromium: « S'inscrire » with the demo passport, then log in.

Two fake cameras (Chromium plays one file per browser): the first shows a
passport identity page drawn here with Pillow and OCR-B, read by the real MRZ
job; the second shows Eileen Collins, the demo passport's chip photo, for the
selfie. The chip is the demo passport read through the relay by the scripted
helper (demo mode); the code is read from the demo outbox. A still picture
cannot do the liveness moves, so this server matches the face without them
(as ``test_proof_camera`` does). Screenshots at 390 and 320 px go to
``DV_SHOTS`` when set.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import skimage.data
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import text
from werkzeug.serving import make_server

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, QuietHandler, reset_database
from tests.browser.test_proof_camera import write_y4m
from webapp import create_app

pytestmark = pytest.mark.browser
DP, NEW_PASSWORD = "DP100010", "Amina-2026-mot"
SHOTS = Path(os.environ["DV_SHOTS"]) if os.environ.get("DV_SHOTS") else None


@pytest.fixture(scope="module")
def enrol_server(pg_url) -> Iterator:
    """The app in demo mode (CSRF on, jobs inline), liveness moves not required."""
    from webapp.db import engine, get_session
    from webapp.services import demo

    app = create_app(
        {
            "DATABASE_URL": pg_url,
            "REDIS_URL": "",
            "SECRET_KEY": "browser-test-secret",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": True,
            "DEMO": True,
            "PROOF_LIVENESS_REQUIRED": False,
        }
    )
    with app.app_context():
        _truncate(engine())
        demo.seed(get_session())
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join(timeout=5)
    app.extensions["db_engine"].dispose()
    # The database is shared with the other browser tests: give them back the plain demo.
    plain = create_app({"DATABASE_URL": pg_url, "SECRET_KEY": "browser-test-secret"})
    reset_database(plain)
    plain.extensions["db_engine"].dispose()


def _truncate(eng) -> None:
    with eng.begin() as conn:
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


def _not_enrolled_again(app, language: str) -> None:
    """DP100010 back to « never enrolled » (each test enrols her once)."""
    from webapp.db import engine

    with app.app_context(), engine().begin() as conn:
        conn.execute(text("TRUNCATE enrol_selfie, enrolment, one_time_code CASCADE"))
        conn.execute(text("TRUNCATE otp_counter, notification, outbox_message CASCADE"))
        conn.execute(
            text(
                "DELETE FROM face_reference WHERE pensioner_id = "
                "(SELECT id FROM pensioner WHERE dp_number = :dp)"
            ),
            {"dp": DP},
        )
        conn.execute(
            text(
                "UPDATE pensioner SET account_status='not_enrolled', password_hash=NULL, "
                "must_change_password=false, language=:lang WHERE dp_number=:dp"
            ),
            {"dp": DP, "lang": language},
        )


def _camera(playwright, video: Path) -> Browser:
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
def page_camera(playwright, tmp_path_factory) -> Iterator[Browser]:
    """Chromium whose back camera films the demo passport's open identity page."""
    from nfc_bridge.sim.demo_data import face_jpeg
    from webapp.services.demo_passport import demo_lines, passport_page

    page = passport_page(demo_lines(), face_jpeg()[0])
    video = write_y4m(tmp_path_factory.mktemp("scan") / "page.y4m", page, frames=4)
    browser = _camera(playwright, video)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def face_camera(playwright, tmp_path_factory) -> Iterator[Browser]:
    """Chromium whose front camera shows the passport holder (a still portrait)."""
    portrait = Image.fromarray(skimage.data.astronaut())
    video = write_y4m(tmp_path_factory.mktemp("face") / "face.y4m", portrait)
    browser = _camera(playwright, video)
    yield browser
    browser.close()


def _context(browser: Browser, base_url: str, locale: str, **size) -> BrowserContext:
    context = browser.new_context(base_url=base_url, locale=locale, **{**PHONE, **size})
    context.set_default_timeout(30_000)
    return context


def _shot(page: Page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _narrow_shot(browser: Browser, context: BrowserContext, base: str, path: str, name: str):
    """The same page at 320 px wide, in the same enrolment (cookies copied)."""
    if SHOTS is None:
        return
    narrow = browser.new_context(
        base_url=base,
        locale=context.pages[0].evaluate("() => navigator.language"),
        **{**PHONE, "viewport": {"width": 320, "height": 700}},
    )
    narrow.add_cookies(context.cookies())
    page = narrow.new_page()
    page.goto(path)
    _shot(page, f"{name}-320")
    narrow.close()


def _code_from_outbox(context: BrowserContext) -> str:
    outbox = context.new_page()
    outbox.goto("/dev/outbox")
    body = outbox.locator(".outbox-message .outbox-body").first.inner_text()
    outbox.close()
    return re.search(r"\b(\d{6})\b", body).group(1)


def _enrol(app, page_camera: Browser, face_camera: Browser, lang: str) -> None:
    base = app.config["PUBLIC_BASE_URL"]
    locale = {"fr": "fr-FR", "ar": "ar-MA"}[lang]
    scan_context = _context(page_camera, base, locale)
    page = scan_context.new_page()
    page.goto("/")
    page.locator("a[href='/enrol/']").first.click()
    page.locator("#procedure-passport a.btn-primary").click()
    page.locator("form[action='/enrol/start/passport'] button[type=submit]").click()
    page.locator("#accept").check()
    page.locator("form[action='/enrol/terms'] button[type=submit]").click()
    page.locator("#consent_data").check()
    page.locator("#consent_biometric").check()
    page.locator("form[action='/enrol/privacy'] button[type=submit]").click()

    # « Scanner »: the camera films the page until the MRZ job reads it valid.
    page.wait_for_url("**/enrol/passport/scan")
    _shot(page, f"{lang}-1-scan")
    _narrow_shot(page_camera, scan_context, base, "/enrol/passport/scan", f"{lang}-1-scan")
    page.locator("#scan-go").click()
    expect(page.locator("#scan-stage")).to_be_visible()
    page.wait_for_url("**/enrol/passport/chip", timeout=90_000)

    # « Lecture de la puce »: the demo passport through the relay.
    _shot(page, f"{lang}-2-chip")
    page.locator("#chip-demo").click()
    page.wait_for_url("**/enrol/passport/check", timeout=60_000)

    # « Vérification »: the chip's data and photo; a foreign passport asks the DP number.
    expect(page.locator("#check dl")).to_contain_text("AMINA")
    expect(page.locator("#check dl")).to_contain_text("UT4821957")
    assert page.locator("img.chip-photo").evaluate("i => i.naturalWidth") > 100
    _shot(page, f"{lang}-3-check")
    _narrow_shot(page_camera, scan_context, base, "/enrol/passport/check", f"{lang}-3-check")
    page.locator("#dp_number").fill(DP.lower())
    page.locator("#check button[value=confirm]").click()

    page.wait_for_url("**/enrol/contact")
    page.locator("#email").fill("amina@example.org")
    page.locator("#gsm").fill("+33 6 12 34 56 78")
    page.locator("form[action='/enrol/contact'] button[type=submit]").click()
    page.wait_for_url("**/enrol/code")
    code = _code_from_outbox(scan_context)
    page.locator("#code").fill(code)
    page.locator("form[action='/enrol/code'] button[type=submit]").first.click()
    page.wait_for_url("**/enrol/selfie")

    # The selfie, on the phone's front camera (another fake device: cookies carried over).
    face_context = _context(face_camera, base, locale)
    face_context.add_cookies(scan_context.cookies())
    scan_context.close()
    page = face_context.new_page()
    page.goto("/enrol/selfie")
    _shot(page, f"{lang}-4-selfie")
    page.locator("#proof-go").click()
    outcome = page.locator("#proof-attempt")
    expect(outcome).to_have_attribute("data-decision", "match", timeout=60_000)
    _shot(page, f"{lang}-5-match")
    page.locator("#selfie-next").click()
    page.wait_for_url("**/enrol/done")
    expect(page.locator("#enrol-done")).to_contain_text(DP)
    _shot(page, f"{lang}-6-done")

    # « Se connecter » with the code as provisional password, then a new password.
    page.locator("#enrol-login").click()
    page.locator("#dp_number").fill(DP)
    page.locator("#password").fill(code)
    page.locator("form:has(#password) button[type=submit]").click()
    page.wait_for_url("**/auth/password")
    page.locator("#current").fill(code)
    page.locator("#new").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    page.locator("form:has(#confirm) button[type=submit]").click()
    page.wait_for_url("**/space/")
    expect(page.locator(".proof-home")).to_be_visible()  # she can now attest
    _shot(page, f"{lang}-7-space")
    face_context.close()


def _enrolled(app) -> tuple:
    from webapp.db import engine

    with app.app_context(), engine().begin() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT p.account_status, f.source, e.status, e.reference_photo IS NULL "
                    "FROM pensioner p JOIN face_reference f ON f.pensioner_id = p.id "
                    "JOIN enrolment e ON e.pensioner_id = p.id WHERE p.dp_number = :dp"
                ),
                {"dp": DP},
            ).one()
        )


def test_a_pensioner_enrols_with_the_demo_passport_then_opens_her_space(
    enrol_server, page_camera, face_camera
):
    _not_enrolled_again(enrol_server, "fr")
    _enrol(enrol_server, page_camera, face_camera, "fr")
    assert _enrolled(enrol_server) == ("active", "passport", "done", True)


def test_the_same_enrolment_in_arabic(enrol_server, page_camera, face_camera):
    _not_enrolled_again(enrol_server, "ar")
    _enrol(enrol_server, page_camera, face_camera, "ar")
    assert _enrolled(enrol_server) == ("active", "passport", "done", True)
