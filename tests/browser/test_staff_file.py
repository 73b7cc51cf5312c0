"""The adviser's desk in Chromium: the pensioner's file, a wrong document refused, then attested."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

DESK = {"viewport": {"width": 1280, "height": 900}}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))


def _desk(browser, live_server, locale: str):
    ctx = browser.new_context(base_url=live_server.url, locale=locale, **DESK)
    ctx.set_default_timeout(10_000)
    if locale.startswith("ar"):
        ctx.add_cookies([{"name": "lang", "value": "ar", "url": live_server.url}])
    page = ctx.new_page()
    page.goto("/staff/login")
    page.locator("#email").fill("conseiller@demo.dialvie.ma")
    page.locator("#password").fill("Conseil2026!")
    page.locator("form:has(#password) button[type=submit]").click()
    page.wait_for_url("**/staff/")
    return ctx, page


def test_adviser_records_an_agency_proof_of_life_from_the_file(browser, live_server):
    ctx, desk = _desk(browser, live_server, "fr-FR")
    try:
        desk.goto("/staff/pensioners/4")
        expect(desk.locator("h1")).to_contain_text("TAZI Khadija")
        expect(desk.locator("#history")).to_contain_text("Dossier consulté")
        expect(desk.locator("#history")).not_to_contain_text("staff_view_pensioner")
        desk.locator("#document_type").select_option("cin")
        desk.locator("#number").fill("E112234")
        desk.get_by_role("button", name="Enregistrer la preuve de vie").click()
        expect(desk.locator("#proof-error")).to_contain_text("ne correspond pas")
        expect(desk.locator("#number")).to_have_attribute("aria-invalid", "true")
        desk.screenshot(path=str(SHOTS / "staff-file-fr-error.png"), full_page=True)
        desk.locator("#number").fill("e 112233")
        desk.get_by_role("button", name="Enregistrer la preuve de vie").click()
        expect(desk.locator("#proof-done")).to_be_visible()
        expect(desk.locator("#proof-of-life")).to_contain_text("en agence")
        expect(desk.locator("#history")).to_contain_text("Salma Bennani")
        width = desk.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 1280
        desk.screenshot(path=str(SHOTS / "staff-file-fr.png"), full_page=True)
    finally:
        ctx.close()
        live_server.sql(
            "UPDATE proof_status SET attested_at = NULL, method = NULL WHERE pensioner_id = 4"
        )


def test_the_file_reads_right_to_left_in_arabic(browser, live_server):
    ctx, desk = _desk(browser, live_server, "ar")
    try:
        desk.goto("/staff/pensioners/2")
        assert desk.locator("html").get_attribute("dir") == "rtl"
        expect(desk.locator("#history")).to_contain_text("الاطلاع على الملف")
        expect(desk.locator("#access")).to_contain_text("إعادة تعيين الولوج")
        assert desk.evaluate("() => document.documentElement.scrollWidth") <= 1280
        desk.screenshot(path=str(SHOTS / "staff-file-ar.png"), full_page=True)
    finally:
        ctx.close()


def test_the_desk_enrolment_form_fits_a_narrow_screen(browser, live_server):
    ctx, desk = _desk(browser, live_server, "fr-FR")
    try:
        desk.set_viewport_size({"width": 390, "height": 844})
        desk.goto("/staff/pensioners/3")
        expect(desk.locator("#desk-enrolment")).to_contain_text("caméra du guichet")
        expect(desk.locator("#photo")).to_have_attribute("capture", "user")
        desk.locator("#enrol_document_type").select_option("passport")
        desk.locator("#enrol_number").fill("AD5551235")
        desk.locator("#photo").set_input_files(
            files=[{"name": "x.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo"}]
        )
        desk.get_by_role("button", name="Enregistrer la photo de référence").click()
        expect(desk.locator("#enrol-error")).to_contain_text("ne correspond pas")
        assert desk.evaluate("() => document.documentElement.scrollWidth") <= 390
        desk.locator("#desk-enrolment").screenshot(path=str(SHOTS / "staff-file-390-enrol.png"))
    finally:
        ctx.close()
