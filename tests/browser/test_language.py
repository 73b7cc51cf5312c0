"""Arabic turns the whole app right-to-left, and the choice sticks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _html(page) -> tuple[str, str]:
    html = page.locator("html")
    return html.get_attribute("lang"), html.get_attribute("dir")


def test_pensioner_switches_to_arabic_and_it_persists(page, context, live_server):
    login(page)
    assert _html(page) == ("fr", "ltr")
    page.get_by_role("button", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert _html(page) == ("ar", "rtl")
    assert page.url.endswith("/space/")
    # The layout follows: the menu button sits on the right edge of the screen.
    box = page.locator(".menu-button").bounding_box()
    assert box["x"] > 390 / 2

    page.reload()
    assert _html(page) == ("ar", "rtl")
    page.locator("#shortcuts a[href='/space/payments']").click()
    page.wait_for_url("**/space/payments")
    page.reload()
    assert _html(page) == ("ar", "rtl")
    assert page.locator(".payment-month").count() > 0
    assert (
        live_server.sql("SELECT language FROM pensioner WHERE dp_number='DP100001'")[0][0] == "ar"
    )

    # A new visit on another phone: the account remembers the language.
    other = context.browser.new_context(base_url=live_server.url, locale="fr-FR")
    try:
        other_page = other.new_page()
        other_page.goto("/auth/login")
        assert _html(other_page) == ("fr", "ltr")
        login(other_page)
        assert _html(other_page) == ("ar", "rtl")
    finally:
        other.close()

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    assert _html(page) == ("fr", "ltr")
    assert live_server.sql("SELECT language FROM pensioner WHERE dp_number='DP100001'") == [("fr",)]
