"""A pensioner on a very small phone (320 px) or with the page zoomed to 200 %:
nothing scrolls sideways, the shortcut bar stays one row and hides nothing."""

from __future__ import annotations

import os

import pytest

from tests.browser.conftest import DEMO_DP, login

pytestmark = pytest.mark.browser

PAGES = [
    "/space/",
    "/space/payments",
    "/space/attestation",
    "/space/contact",
    "/space/alerts",
    "/space/proof/",
    "/space/proof/camera",
    "/auth/password",
    "/guide/",
]
# What a pensioner reads before logging in.
PUBLIC_PAGES = [
    "/",
    "/enrol/",
    "/enrol/start/passport",
    "/enrol/start/agency",
    "/auth/login",
    "/agencies",
    "/guide/",
]
# viewport, and the browser's default font size (None: its own 16 px).
# 320 CSS px is WCAG 1.4.10's reflow width; a 1280×800 screen at 200 % zoom
# shows 640×400 CSS px (1.4.4). "text200" is 200 % text only on a phone: the
# browser's font size set to 32 px (Chrome's font size setting), so the app's
# 125 % root text goes from 20 px to 40 px while the viewport stays 390 px.
SIZES = {
    "320": ({"width": 320, "height": 640}, None),
    "zoom200": ({"width": 640, "height": 400}, None),
    "text200": ({"width": 390, "height": 844}, 32),
}
SHOTS = os.environ.get("REFLOW_SHOTS")  # a folder: keep screenshots to look at

LAYOUT = """() => {
  const bar = document.getElementById('shortcuts');
  const doc = document.documentElement;
  const barRect = bar ? bar.getBoundingClientRect() : null;
  const rows = bar ? new Set([...bar.querySelectorAll('.shortcut')]
      .map((a) => Math.round(a.getBoundingClientRect().top))).size : 0;
  // Words cut in two: a text line that starts inside a word.
  const broken = [];
  for (const el of document.querySelectorAll(
      'h1, h2, h3, .tile, .shortcut-label, .btn, label, .lang, .brand, summary')) {
    if (!el.offsetParent) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const text = node.textContent;
      let top = null;
      for (let i = 0; i < text.length; i++) {
        const range = document.createRange();
        range.setStart(node, i); range.setEnd(node, i + 1);
        const r = range.getClientRects()[0];
        if (!r) continue;
        const inWord = i > 0 && /\\S/.test(text[i - 1]) && /\\S/.test(text[i])
          && !/[-\\u2010\\/@.]/.test(text[i - 1]);
        if (top !== null && r.top > top + 2 && inWord) {
          broken.push(text.trim().slice(0, 40));
          break;
        }
        top = r.top;
      }
    }
  }
  return {
    overflow: doc.scrollWidth - doc.clientWidth,
    rootFont: parseFloat(getComputedStyle(doc).fontSize),
    barHeight: barRect ? barRect.height : 0,
    barRows: rows,
    broken,
  };
}"""

BOTTOM = """() => {
  window.scrollTo(0, document.documentElement.scrollHeight);
  const bar = document.getElementById('shortcuts');
  const barTop = bar ? bar.getBoundingClientRect().top : window.innerHeight;
  let lowest = 0;
  for (const el of document.querySelectorAll('main *')) {
    const r = el.getBoundingClientRect();
    if (el.closest('details:not([open]) > :not(summary)')) continue;  // not shown
    if (r.height && r.width && el.offsetParent) lowest = Math.max(lowest, r.bottom);
  }
  return {barTop, lowest};
}"""

# Where the keyboard focus is, and whether a bar hides any of it (WCAG 2.4.11).
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const r = el.getBoundingClientRect();
  const bar = document.getElementById('shortcuts');
  const barTop = bar ? bar.getBoundingClientRect().top : window.innerHeight;
  const topbar = document.querySelector('.topbar');
  const s = topbar ? getComputedStyle(topbar) : null;
  const top = s && (s.position === 'sticky' || s.position === 'fixed')
    ? topbar.getBoundingClientRect().bottom : 0;
  if (el.closest('.topbar, #shortcuts, .skip-link')) return null;
  const hidden = r.bottom > barTop + 1 || r.top < top - 1;
  return hidden ? {text: (el.innerText || el.value || el.tagName).trim().slice(0, 30),
                   top: Math.round(r.top), bottom: Math.round(r.bottom),
                   barTop: Math.round(barTop), topbar: Math.round(top)} : null;
}"""
MAX_TABS = 30  # focus stops checked per page


def _set_language(live_server, lang: str) -> None:
    live_server.sql("UPDATE pensioner SET language=:l WHERE dp_number=:dp", l=lang, dp=DEMO_DP)


def _text_size(page, default_font: int | None) -> None:
    """Set the browser's default font size, as its text size setting does.

    The setting lasts as long as its DevTools session: never detached here.
    """
    if default_font:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Page.enable")
        cdp.send("Page.setFontSizes", {"fontSizes": {"standard": default_font}})


def _screens(page, stem: str, most: int = 4) -> None:
    """Screenshots of the first screens, as scrolled on the phone.

    Not full-page: Chromium lays a full-page shot out again without the text
    size setting."""
    height = page.evaluate("() => document.documentElement.scrollHeight")
    step = page.viewport_size["height"]
    for i in range(min(most, -(-height // step))):
        page.evaluate("(y) => window.scrollTo(0, y)", i * step)
        page.screenshot(path=f"{stem}-{i + 1}.png")
    page.evaluate("() => window.scrollTo(0, 0)")


def _check_page(page, path: str, label: str, default_font: int | None) -> list[str]:
    """Every reflow problem of the page at ``path``, as readable lines."""
    root_px = 1.25 * (default_font or 16)  # app.css: the root text is 125 %
    response = page.goto(path)
    assert response is not None and response.ok, (path, response and response.status)
    page.wait_for_load_state("load")
    got = page.evaluate(LAYOUT)
    if SHOTS:
        _screens(page, os.path.join(SHOTS, f"{label}{path.replace('/', '_')}"))
    problems = []
    if got["rootFont"] != root_px:
        problems.append(f"{path}: root text {got['rootFont']} px, not {root_px}")
    if got["overflow"] > 0:
        problems.append(f"{path}: {got['overflow']} px sideways")
    if got["barRows"] > 1:
        problems.append(f"{path}: bar on {got['barRows']} rows")
    if got["broken"]:
        problems.append(f"{path}: words cut {got['broken']}")
    bottom = page.evaluate(BOTTOM)
    if bottom["lowest"] > bottom["barTop"] + 0.5:
        problems.append(f"{path}: content under the bar {bottom}")
    page.evaluate("() => { window.scrollTo(0, 0); document.activeElement.blur(); }")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        hidden = page.evaluate(FOCUS)
        if hidden:
            problems.append(f"{path}: focus hidden by a bar {hidden}")
            break
    return problems


@pytest.mark.parametrize("lang", ["fr", "ar"])
@pytest.mark.parametrize("size", list(SIZES))
def test_pensioner_pages_reflow_without_sideways_scrolling(browser, live_server, lang, size):
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
        problems = []
        # No page breaks its Content-Security-Policy (an inline style, say).
        page.on(
            "console",
            lambda msg: (
                problems.append(f"{page.url}: {msg.text}")
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )
        # Before logging in: the public pages, in the language picked on them.
        page.goto("/")
        if lang != "fr":
            page.locator(f"button[lang={lang}]").click()
            page.locator(f"html[lang={lang}]").wait_for(state="attached")
        for path in PUBLIC_PAGES:
            problems += _check_page(page, path, f"{size}-{lang}-public", default_font)
        _set_language(live_server, lang)
        login(page)
        assert page.locator("html").get_attribute("lang") == lang
        for path in PAGES:
            problems += _check_page(page, path, f"{size}-{lang}", default_font)
        assert not problems, "\n".join(problems)
    finally:
        ctx.close()


def test_payment_opened_near_the_bottom_shows_its_details_above_the_bar(browser, live_server):
    ctx = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        viewport={"width": 320, "height": 640},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    ctx.set_default_timeout(10_000)
    try:
        page = ctx.new_page()
        login(page)
        page.goto("/space/payments")
        bar_top = page.evaluate("document.getElementById('shortcuts').getBoundingClientRect().top")
        # The lowest month whose summary is fully visible above the bar.
        index = page.evaluate(
            """(barTop) => {
              const all = [...document.querySelectorAll('details.payment')];
              let last = -1;
              all.forEach((d, i) => {
                const r = d.querySelector('summary').getBoundingClientRect();
                if (r.bottom <= barTop && r.top >= 0) last = i;
              });
              return last;
            }""",
            bar_top,
        )
        assert index >= 0
        month = page.locator("details.payment").nth(index)
        month.locator("summary").tap()
        detail = month.locator(".payment-detail")
        assert detail.is_visible()
        page.wait_for_timeout(300)
        bottom = detail.evaluate("(el) => el.getBoundingClientRect().bottom")
        assert bottom <= bar_top + 0.5, (bottom, bar_top)
    finally:
        ctx.close()
