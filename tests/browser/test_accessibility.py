"""Every pensioner page, in French and in Arabic, passes axe-core and the elderly-friendly rules.

axe-core (npm, test-only) finds serious and critical WCAG 2.2 A/AA violations;
our own checks add what it does not measure: text at least 18 px and touch
targets at least 48 x 48 px.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.conftest import DEMO_DP, ROOT, login
from tests.browser.test_reflow import PAGES, PUBLIC_PAGES, SIZES, _text_size

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PRIVATE_PAGES = [
    "/space/",
    "/space/payments",
    "/space/attestation",
    "/space/contact",
    "/space/alerts",
    "/auth/password",
]
MIN_TEXT_PX = 18
MIN_TARGET_PX = 48

MEASURE = (Path(__file__).parent / "measure.js").read_text()


def _axe(page, where: str) -> list[str]:
    """axe-core's serious/critical violations, as readable lines."""
    # Eight years of months repeat the same markup; a year of them is enough for
    # axe, whose contrast and target rules take seconds on the whole list.
    page.evaluate(
        "() => document.querySelectorAll('.payments > li:nth-child(n+13)')"
        ".forEach((li) => li.remove())"
    )
    assert AXE.exists(), "axe-core is missing: run `npm ci` (scripts/setup.sh does)"
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol: the page's CSP does not apply.
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']}); return r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)})); }",
        AXE_TAGS,
    )
    return [
        f"{where}: axe {v['impact']} {v['id']} {json.dumps(v['nodes'])}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def _audit(page, where: str) -> list[str]:
    """axe-core's serious/critical violations and our size checks, as readable lines."""
    problems = _axe(page, where)
    problems += [
        f"{where}: {p}"
        for p in page.evaluate(MEASURE, {"minText": MIN_TEXT_PX, "minTarget": MIN_TARGET_PX})
    ]
    return problems


def _visit_all(page, verify_code: str) -> list[str]:
    problems = []
    for url in PRIVATE_PAGES:
        page.goto(url)
        problems += _audit(page, url)
    # The attestation once prepared (the latest year; the PDF test uses another).
    page.goto("/space/attestation")
    page.locator("#attestation-pdf button[type=submit]").click()
    page.locator(".attestation-ready a[download]").first.wait_for(timeout=30_000)
    problems += _audit(page, "/space/attestation (ready)")
    page.goto("/space/payments")
    page.locator("details.payment summary").first.click()
    problems += _audit(page, "/space/payments (month open)")
    page.goto("/space/")
    # The banners and the install card are hidden until needed: check them shown.
    page.evaluate(
        "(ids) => ids.forEach((id) => { document.getElementById(id).hidden = false; })",
        ["offline-banner", "update-banner", "install-help", "install-android", "install-ios"],
    )
    problems += _audit(page, "/space/ (banners, install help)")
    page.goto("/space/")
    page.locator("#menu summary").click()
    problems += _audit(page, "/space/ (menu open)")
    page.goto("/space/contact")
    page.locator("#email").fill("pas-une-adresse")
    page.locator("form:has(#email) button[type=submit]").click()
    page.locator("#email-error").wait_for()
    problems += _audit(page, "/space/contact (error)")
    for url in ("/guide/", f"/verify/{verify_code}", "/verify/NOPE-NOPE", "/offline"):
        page.goto(url)
        problems += _audit(page, url)
    page.locator("#menu summary").click()
    page.get_by_role(
        "button", name=page.locator("form[action='/auth/logout'] button").inner_text()
    ).click()
    page.wait_for_url("**/?logged_out=1")
    page.goto("/auth/login")
    problems += _audit(page, "/auth/login")
    page.locator("form:has(#password) button[type=submit]").click()
    page.locator("#dp_number-error").wait_for()
    problems += _audit(page, "/auth/login (errors)")
    page.goto("/")
    problems += _audit(page, "/")
    return problems


@pytest.fixture
def verify_code(live_server) -> str:
    """A genuine attestation code of DP100001."""
    from sqlmodel import select

    from webapp.db import get_session
    from webapp.models import Pensioner
    from webapp.services import attestations

    with live_server.app.app_context():
        session = get_session()
        pensioner = session.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
        year = attestations.available_years(session, pensioner.id)[1]
        return attestations.get_or_issue(session, pensioner, year).code


def test_every_pensioner_page_is_accessible_in_french(page, verify_code):
    login(page)
    assert page.locator("html").get_attribute("lang") == "fr"
    problems = _visit_all(page, verify_code)
    assert problems == [], "\n".join(problems)


def test_every_pensioner_page_is_accessible_in_arabic(page, verify_code):
    login(page)
    page.locator("button[lang=ar]").click()
    page.locator("html[dir=rtl]").wait_for(state="attached")
    problems = _visit_all(page, verify_code)
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert problems == [], "\n".join(problems)


def test_keyboard_focus_is_always_visible(page):
    """A thick outline on every stop, never hidden under the top bar or the shortcut bar."""
    login(page)
    page.goto("/space/payments")
    seen = 0
    for _ in range(25):
        page.keyboard.press("Tab")
        focus = page.evaluate("""() => {
          const el = document.activeElement, s = getComputedStyle(el);
          const r = el.getBoundingClientRect();
          const top = document.querySelector('.topbar').getBoundingClientRect().bottom;
          const bar = document.getElementById('shortcuts').getBoundingClientRect().top;
          const inBars = !!el.closest('.topbar, #shortcuts, .skip-link');
          return {tag: el.tagName, text: (el.innerText || '').slice(0, 20),
                  outline: parseFloat(s.outlineWidth) || 0, style: s.outlineStyle,
                  obscured: !inBars && (r.top < top - 1 || r.bottom > bar + 1)};
        }""")
        if focus["tag"] == "BODY":
            continue
        seen += 1
        assert focus["outline"] >= 3 and focus["style"] != "none", focus
        assert not focus["obscured"], focus
    assert seen >= 20
    # The first stop is the skip link, shown on screen when focused.
    page.goto("/space/payments")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0 and box["width"] >= 48 and box["height"] >= 48


def test_pages_fit_a_small_phone_without_sideways_scrolling(page):
    """WCAG 1.4.10 reflow: nothing wider than a 320 px screen, in either direction."""
    page.set_viewport_size({"width": 320, "height": 640})
    login(page)
    too_wide = []
    for lang in ("fr", "ar"):
        if lang == "ar":
            page.locator("button[lang=ar]").click()
            page.locator("html[dir=rtl]").wait_for(state="attached")
        for url in [*PRIVATE_PAGES, "/guide/", "/offline"]:
            page.goto(url)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > 320:
                too_wide.append(f"{lang} {url}: {width}px")
            # Scrolled to the end, the last lines sit above the fixed shortcut bar.
            hidden = page.evaluate("""() => {
              window.scrollTo(0, document.documentElement.scrollHeight);
              const bar = document.getElementById('shortcuts');
              const last = document.querySelector('main').lastElementChild;
              return bar && last && last.getBoundingClientRect().bottom >
                bar.getBoundingClientRect().top + 1;
            }""")
            if hidden:
                too_wide.append(f"{lang} {url}: end of page under the shortcut bar")
    assert too_wide == []


@pytest.mark.parametrize("lang", ["fr", "ar"])
@pytest.mark.parametrize("size", ["320", "text200"])
def test_every_page_passes_axe_on_a_small_phone(browser, live_server, lang, size):
    """The reflowed layouts (WCAG 1.4.10's 320 px; 200 % text on a 390 px phone,
    where the shortcut bar is icons only) keep axe's serious and critical rules."""
    viewport, default_font = SIZES[size]
    ctx = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        viewport=viewport,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    ctx.set_default_timeout(10_000)
    try:
        page = ctx.new_page()
        _text_size(page, default_font)
        page.goto("/")
        if lang != "fr":
            page.locator(f"button[lang={lang}]").click()
            page.locator(f"html[lang={lang}]").wait_for(state="attached")
        problems = []
        for url in PUBLIC_PAGES:
            page.goto(url)
            problems += _axe(page, f"{lang} {size} {url}")
        live_server.sql("UPDATE pensioner SET language=:l WHERE dp_number=:dp", l=lang, dp=DEMO_DP)
        login(page)
        assert page.locator("html").get_attribute("lang") == lang
        for url in PAGES:
            page.goto(url)
            problems += _axe(page, f"{lang} {size} {url}")
        page.goto("/space/")
        page.locator("#menu summary").click()
        problems += _axe(page, f"{lang} {size} /space/ (menu open)")
        assert problems == [], "\n".join(problems)
    finally:
        ctx.close()
