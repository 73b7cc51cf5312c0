"""The guide on a phone: its pictures are drawn, only the one that reads as a
sequence turns round in Arabic, the table of contents lands on a heading the top
bar does not hide, and the illustrated sections stay readable offline."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, wait_for_service_worker

pytestmark = pytest.mark.browser

PICTURES = """() => [...document.querySelectorAll('main img')].map((img) => ({
  src: new URL(img.src).pathname,
  alt: img.alt,
  drawn: img.complete && img.naturalWidth > 0,
  flow: img.classList.contains('guide-figure-flow'),
  transform: getComputedStyle(img).transform,
}))"""
MIRRORED = "matrix(-1, 0, 0, 1, 0, 0)"


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_pictures_are_drawn_and_only_the_sequence_is_mirrored_in_arabic(browser, live_server, lang):
    ctx = browser.new_context(base_url=live_server.url, locale="fr-FR", **PHONE)
    ctx.set_default_timeout(10_000)
    try:
        ctx.add_cookies([{"name": "lang", "value": lang, "url": live_server.url}])
        page = ctx.new_page()
        page.goto("/guide/")
        page.wait_for_load_state("load")
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
        pictures = page.evaluate(PICTURES)
        assert len(pictures) >= 5
        for picture in pictures:
            assert picture["drawn"], picture["src"]
            assert picture["alt"].strip(), picture["src"]
            if picture["flow"] and lang == "ar":
                assert picture["transform"] == MIRRORED, picture
            else:
                assert picture["transform"] == "none", picture
        assert any(p["flow"] for p in pictures)
    finally:
        ctx.close()


def test_contents_link_shows_the_section_heading_below_the_top_bar(page):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/guide/")
    for section in ("enrol", "proof", "reminders", "agency"):
        page.locator(f"#guide-toc a[href='#{section}']").click()
        page.wait_for_url(f"**/guide/#{section}")
        heading = page.locator(f"#{section}-title")
        expect(heading).to_be_in_viewport()
        top_bar = page.locator(".topbar").bounding_box()
        box = heading.bounding_box()
        assert top_bar and box and box["y"] >= top_bar["y"] + top_bar["height"], section
        page.locator(f"#{section} .guide-top a").click()
        expect(page.locator("#guide-toc-title")).to_be_in_viewport()


def test_illustrated_sections_are_readable_offline(page, context):
    page.goto("/guide/")
    wait_for_service_worker(page)
    context.set_offline(True)
    for section in ("enrol", "proof", "reminders", "agency"):
        page.goto(f"/guide/{section}")
        expect(page.locator("#offline-banner")).to_be_visible()
        expect(page.locator(f"#{section}-title")).to_be_visible()
        pictures = page.evaluate(PICTURES)
        assert pictures and all(p["drawn"] for p in pictures), pictures
