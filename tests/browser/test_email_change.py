"""A pensioner changes their e-mail on a phone: the code or the link sent to the new address."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_DP, DEMO_PASSWORD, login, open_from_menu, wait_until
from tests.browser.test_accessibility import _audit
from tests.browser.test_csp import _watch

pytestmark = pytest.mark.browser

OLD, NEW = "m.benani@example.ma", "nouvelle.adresse@example.ma"


@pytest.fixture(autouse=True)
def _no_pending_change(live_server):
    """Each test starts, and leaves, DP100001 with no change waiting and no codes."""
    # Messages are written by the RQ worker: a test waits for its own ones.
    live_server.sql("DELETE FROM outbox_message WHERE destination IN (:a, :b)", a=OLD, b=NEW)
    yield
    live_server.sql(
        "UPDATE pensioner SET email=:old, pending_email=NULL, pending_email_at=NULL"
        " WHERE dp_number=:dp",
        old=OLD,
        dp=DEMO_DP,
    )
    live_server.sql("DELETE FROM one_time_code WHERE purpose='email_change'")


def _newest_mail(live_server, address: str) -> str:
    rows = wait_until(
        lambda: live_server.sql(
            "SELECT body FROM outbox_message WHERE destination=:a ORDER BY id DESC LIMIT 1",
            a=address,
        )
    )
    assert rows, f"nothing was sent to {address}"
    return rows[0][0]


def _ask_for_new_address(page) -> None:
    login(page)
    open_from_menu(page, "Mes coordonnées")
    page.get_by_label("Adresse e-mail").fill(NEW)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#email-change")).to_contain_text(f"Un code a été envoyé à {NEW}")
    # From the button at the bottom of the form, the page went back up to the news.
    expect(page.locator("#email-change h2")).to_be_in_viewport()


def test_pensioner_confirms_a_new_email_with_the_code(page, live_server):
    csp_errors = _watch(page)
    _ask_for_new_address(page)
    # Until it is confirmed, the old address stays.
    expect(page.get_by_label("Adresse e-mail")).to_have_value(OLD)
    code = re.search(r"\b(\d{6})\b", _newest_mail(live_server, NEW)).group(1)
    page.get_by_label("Code reçu par e-mail").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Confirmer la nouvelle adresse").click()
    expect(page.locator("#email-change .alert-error")).to_contain_text("Code incorrect")
    assert _audit(page, "/space/contact (code waiting, wrong code)") == []
    page.get_by_label("Code reçu par e-mail").fill(code)
    page.get_by_role("button", name="Confirmer la nouvelle adresse").click()
    expect(page.locator(".flash-success")).to_contain_text(
        f"Votre nouvelle adresse e-mail est confirmée : {NEW}"
    )
    expect(page.locator("#email-change")).to_have_count(0)
    expect(page.get_by_label("Adresse e-mail")).to_have_value(NEW)
    page.reload()
    expect(page.get_by_label("Adresse e-mail")).to_have_value(NEW)
    assert "Si ce n'est pas vous" in _newest_mail(live_server, OLD)
    assert csp_errors == []


def test_pensioner_confirms_a_new_email_with_the_link_on_another_phone(page, browser, live_server):
    _ask_for_new_address(page)
    link = re.search(r"https?://\S+/space/email/\S+", _newest_mail(live_server, NEW)).group(0)
    # The e-mail is opened on another device, where nobody is logged in.
    other = browser.new_context(locale="fr-FR", viewport={"width": 320, "height": 640})
    try:
        tab = other.new_page()
        tab.goto(link)
        expect(tab.get_by_role("heading", level=1)).to_have_text("Confirmer votre adresse e-mail")
        expect(tab.locator("main")).to_contain_text(NEW)
        assert _audit(tab, "/space/email/<token>") == []
        # 320 px wide: the address wraps, nothing scrolls sideways.
        assert tab.evaluate("() => document.documentElement.scrollWidth") <= 320
        tab.get_by_role("button", name="Confirmer la nouvelle adresse").click()
        expect(tab.locator(".flash-success")).to_contain_text("est confirmée")
        # The link works once.
        tab.goto(link)
        expect(tab.locator(".alert-error")).to_contain_text("n'est plus valable")
    finally:
        other.close()
    page.reload()
    expect(page.get_by_label("Adresse e-mail")).to_have_value(NEW)
    expect(page.locator("#email-change")).to_have_count(0)


def test_pensioner_cancels_a_change_of_email(page, live_server):
    _ask_for_new_address(page)
    page.get_by_role("button", name="Annuler le changement d'adresse").click()
    expect(page.locator(".flash-success")).to_contain_text("est annulé")
    expect(page.locator("#email-change")).to_have_count(0)
    rows = live_server.sql(
        "SELECT email, pending_email FROM pensioner WHERE dp_number=:dp", dp=DEMO_DP
    )
    assert rows == [(OLD, None)]
