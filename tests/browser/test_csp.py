"""No page breaks its own Content-Security-Policy: the console stays clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, open_from_menu

pytestmark = pytest.mark.browser

# Collect violations in the page too: some never reach the console.
LISTEN = """document.addEventListener('securitypolicyviolation', (e) => {
  window.dvReport([e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber].join(' '));
});"""


def _watch(page) -> list[str]:
    errors: list[str] = []

    def on_console(msg) -> None:
        text = msg.text
        if msg.type == "error" and ("Content Security Policy" in text or "Refused" in text):
            errors.append(text)

    page.on("console", on_console)
    page.expose_function("dvReport", lambda text: errors.append(text))
    page.add_init_script(LISTEN)
    return errors


def test_saving_contact_details_breaks_no_content_security_policy(page):
    errors = _watch(page)
    login(page)
    open_from_menu(page, "Mes coordonnées")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes coordonnées")
    for value in ("pas-une-adresse", "m.benani@example.ma"):
        page.get_by_label("Adresse e-mail").fill(value)
        with page.expect_response(
            lambda r: r.url.endswith("/space/contact") and r.request.method == "POST"
        ):
            page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_timeout(300)  # let htmx settle (its classes, focus, title)
    expect(page.locator(".flash-success")).to_be_visible()
    for path in ("/space/", "/space/payments", "/space/attestation", "/space/alerts", "/guide/"):
        page.goto(path)
        page.wait_for_load_state("load")
    assert errors == []

    # The watch itself works: an inline style attribute is reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')")
    page.wait_for_timeout(300)
    assert errors and "style-src" in errors[0]
