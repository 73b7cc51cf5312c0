"""« S'inscrire » on a phone, the shared steps: home → choose → terms → consents → contact →
the code read from the demo outbox. Once in French, once in Arabic (right-to-left)."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_until

pytestmark = pytest.mark.browser

# Screenshots land here for a person to look at (kept after the run).
SHOTS = Path(os.environ.get("DV_SHOTS", "/tmp/dialvie-shots"))


def _shot(page, lang: str, name: str, width: int = 390) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"enrol-{lang}-{name}.png", full_page=True)
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def _new_pensioner(app, dp: str):
    """A pension file with no account (each run its own, so others' tests are untouched)."""
    from webapp.db import get_session
    from webapp.models import Pensioner

    with app.app_context():
        db = get_session()
        row = Pensioner(
            dp_number=dp,
            last_name="Tazi",
            first_name="Amina",
            birth_date=date(1952, 5, 2),
            nationality="MAR",
            passport_number=f"XA{dp[-5:]}",
            language="fr",
            country="MAR",
        )
        db.add(row)
        db.commit()
        return row.id


def _passport_steps_done(app, token: str, pensioner_id: int) -> None:
    """Scan, chip and check belong to procedure 1's own tests: here they are done server-side."""
    from webapp.db import get_session
    from webapp.models import Pensioner
    from webapp.services import enrolment as svc

    with app.test_request_context():
        db = get_session()
        enrolment = svc.current(db, token)
        for step in ("chip", "check"):
            svc.advance(db, enrolment, step)
        svc.match_pensioner(db, enrolment, db.get(Pensioner, pensioner_id))
        svc.advance(db, enrolment, "contact")


@pytest.mark.parametrize(
    ("lang", "dp", "gsm"),
    [("fr", "DP300001", "06 61 23 45 67"), ("ar", "DP300002", "06 61 23 45 68")],
)
def test_person_enrols_through_the_shared_steps_on_a_phone(
    page, context, live_server, lang, dp, gsm
):
    app = live_server.app
    app.config["DEMO"] = True  # the outbox page, where the demo code is read
    try:
        pensioner_id = _new_pensioner(app, dp)
        page.goto("/")
        if lang == "ar":
            page.get_by_role("button", name="العربية").click()
            expect(page.locator("html")).to_have_attribute("dir", "rtl")
        hero = page.locator("main .hero").first.locator("a")
        assert hero.nth(0).get_attribute("href") == "/enrol/"
        assert hero.nth(1).get_attribute("href") == "/auth/login"
        _shot(page, lang, "0-home")
        hero.nth(0).click()
        page.wait_for_url("**/enrol/")
        expect(page.locator("#procedure-passport h2")).to_be_visible()
        expect(page.locator("#procedure-agency h2")).to_be_visible()
        _shot(page, lang, "1-choose")
        page.set_viewport_size({"width": 320, "height": 700})  # a small phone
        _shot(page, lang, "1-choose-320", width=320)
        page.set_viewport_size({"width": 390, "height": 844})

        page.locator("#procedure-passport a.btn-primary").click()
        page.wait_for_url("**/enrol/start/passport")
        _shot(page, lang, "2-start")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/enrol/terms")
        page.locator("main form button[type=submit]").click()  # not ticked
        expect(page.locator("#accept-error")).to_be_visible()
        page.locator("#accept").check()
        _shot(page, lang, "3-terms")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/enrol/privacy")
        page.locator("#consent_data").check()
        page.locator("#consent_biometric").check()
        _shot(page, lang, "4-privacy")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/enrol/passport/scan")

        token = next(c["value"] for c in context.cookies() if c["name"] == "dv_enrol")
        _passport_steps_done(app, token, pensioner_id)
        page.goto("/enrol/resume")
        page.wait_for_url("**/enrol/contact")
        # A number of its own: the outbox lists every message sent in this session.
        page.locator("#gsm").fill(gsm)
        _shot(page, lang, "5-contact")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/enrol/code")
        e164 = "+212" + gsm.replace(" ", "")[1:]
        expect(page.locator(".destination")).to_have_text(e164)
        _shot(page, lang, "6-code")

        outbox = context.new_page()

        def code_in_outbox():
            outbox.goto("/dev/outbox?to=" + e164.replace("+", "%2B"))
            bodies = outbox.locator(".outbox-body")
            return re.search(r"\d{6}", bodies.first.inner_text()) if bodies.count() else None

        found = wait_until(code_in_outbox, timeout=20)
        assert found, "the code never reached the outbox"
        if lang == "ar":
            expect(outbox.locator(".outbox-body").first).to_contain_text("رمز")
        _shot(outbox, lang, "7-outbox")
        outbox.close()

        page.locator("#code").fill("000000" if found.group(0) != "000000" else "111111")
        page.locator("main form button[type=submit]").first.click()
        expect(page.locator(".alert-error")).to_contain_text("4")  # tries left
        page.locator("#code").fill(found.group(0))
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_url("**/enrol/selfie")

        # The back button never breaks it: old steps send to the current one.
        page.go_back()
        page.wait_for_url("**/enrol/selfie")
        page.goto("/enrol/terms")
        page.wait_for_url("**/enrol/selfie")

        page.goto("/enrol/cancel")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/?cancelled=1")
        expect(page.locator("main .alert-info")).to_be_visible()
    finally:
        app.config["DEMO"] = False
