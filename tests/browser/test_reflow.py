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
    "/proof/",
    "/auth/password",
    "/guide/",
]
# 320 CSS px is WCAG 1.4.10's reflow width; a 1280×800 screen at 200 % zoom
# shows 640×400 CSS px (1.4.4).
SIZES = {
    "320": ({"width": 320, "height": 640}, None),
    "zoom200": ({"width": 640, "height": 400}, None),
}
SHOTS = os.environ.get("REFLOW_SHOTS")  # a folder: keep screenshots to look at

LAYOUT = """(root) => {
  if (root) document.documentElement.style.fontSize = root;
  const bar = document.getElementById('shortcuts');
  const doc = document.documentElement;
  const barRect = bar ? bar.getBoundingClientRect() : null;
  const rows = bar ? new Set([...bar.querySelectorAll('.shortcut')]
      .map((a) => Math.round(a.getBoundingClientRect().top))).size : 0;
  // Words cut in two: a text line that starts inside a word.
  const broken = [];
  for (const el of document.querySelectorAll('h1, h2, .tile, .shortcut-label, .btn, label')) {
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
          && !/[-\\u2010\\/]/.test(text[i - 1]);
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
    barHeight: barRect ? barRect.height : 0,
    barRows: rows,
    broken,
  };
}"""

BOTTOM = """() => {
  window.scrollTo(0, document.documentElement.scrollHeight);
  const bar = document.getElementById('shortcuts');
  const barTop = bar.getBoundingClientRect().top;
  let lowest = 0;
  for (const el of document.querySelectorAll('main *')) {
    const r = el.getBoundingClientRect();
    if (el.closest('details:not([open]) > :not(summary)')) continue;  // not shown
    if (r.height && r.width && el.offsetParent) lowest = Math.max(lowest, r.bottom);
  }
  return {barTop, lowest};
}"""


def _set_language(live_server, lang: str) -> None:
    live_server.sql("UPDATE pensioner SET language=:l WHERE dp_number=:dp", l=lang, dp=DEMO_DP)


@pytest.mark.parametrize("lang", ["fr", "ar"])
@pytest.mark.parametrize("size", list(SIZES))
def test_pensioner_pages_reflow_without_sideways_scrolling(browser, live_server, lang, size):
    viewport, root = SIZES[size]
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
        _set_language(live_server, lang)
        page = ctx.new_page()
        login(page)
        assert page.locator("html").get_attribute("lang") == lang
        problems = []
        for path in PAGES:
            page.goto(path)
            page.wait_for_load_state("load")
            got = page.evaluate(LAYOUT, root)
            if SHOTS:
                name = f"{size}-{lang}{path.replace('/', '_')}.png"
                page.screenshot(path=os.path.join(SHOTS, name), full_page=True)
            if got["overflow"] > 0:
                problems.append(f"{path}: {got['overflow']} px sideways")
            if got["barRows"] > 1:
                problems.append(f"{path}: bar on {got['barRows']} rows")
            if got["broken"]:
                problems.append(f"{path}: words cut {got['broken']}")
            bottom = page.evaluate(BOTTOM)
            if bottom["lowest"] > bottom["barTop"] + 0.5:
                problems.append(f"{path}: content under the bar {bottom}")
        assert not problems, problems
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
