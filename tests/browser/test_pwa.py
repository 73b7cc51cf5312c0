"""The installable app: offline reading, logout wiping the cache, updates, install help."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import login, open_from_menu, wait_for_service_worker, wait_until

pytestmark = pytest.mark.browser

CACHE_NAMES = "caches.keys()"
FORGET_COPY = """async (path) => {
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const req of await cache.keys())
      if (new URL(req.url).pathname === path) await cache.delete(req);
  }
}"""
CACHED_URLS = """async () => {
  const out = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const req of await cache.keys()) out.push(name + ' ' + new URL(req.url).pathname);
  }
  return out;
}"""


def _user_caches(page) -> list[str]:
    return [n for n in page.evaluate(CACHE_NAMES) if n.startswith("dialvie-user-")]


def _open_payments_online(page) -> None:
    login(page)
    wait_for_service_worker(page)
    # The home screen as a full page, once the worker controls the page (on a
    # loaded machine the first one may be answered before it does).
    page.goto("/space/")
    assert wait_until(lambda: any(u.endswith(" /space/") for u in page.evaluate(CACHED_URLS)))
    page.goto("/space/payments")
    expect(page.locator(".payment-month").first).to_be_visible()
    # The copy is written after the page is answered: wait for it.
    assert wait_until(
        lambda: any(u.endswith(" /space/payments") for u in page.evaluate(CACHED_URLS))
    )


def test_viewed_pages_open_offline_and_others_say_offline(page, context):
    _open_payments_online(page)
    page.locator("#shortcuts").get_by_role("link", name="Alertes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes alertes")
    page.locator("#shortcuts").get_by_role("link", name="Paiements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes paiements de pension")
    assert wait_until(lambda: any("/space/alerts" in u for u in page.evaluate(CACHED_URLS)))

    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes paiements de pension")
    assert re.match(r"^[A-ZÉÛ]+ \d{4}$", page.locator(".payment-month").first.inner_text())
    expect(page.locator(".payment-net").first).to_contain_text("MAD")
    expect(page.locator("#offline-banner")).to_be_visible()
    # The stylesheet came from the shell cache too: the page is styled.
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).position") == "sticky"

    # An htmx swap to a screen seen before comes from the cache as well.
    page.locator("#shortcuts").get_by_role("link", name="Alertes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes alertes")
    expect(page.locator("#offline-banner")).to_be_visible()

    # A screen never opened cannot come from anywhere: the tap opens the offline
    # page, which says so and lists what can be read.
    open_from_menu(page, "Mes coordonnées")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pas de connexion internet")
    assert page.url.endswith("/space/contact")
    expect(page.get_by_role("link", name="Mes paiements de pension").first).to_be_visible()
    expect(page.locator("#offline-banner")).to_be_visible()

    page.goto("/space/payments")  # kept in full
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes paiements de pension")

    # A screen kept only as a full page (home, loaded in full) opens in full.
    page.locator("#shortcuts").get_by_role("link", name="Accueil").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Mohammed")
    expect(page.locator("#offline-banner")).to_be_visible()

    page.goto("/guide/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Guide d'utilisation")
    expect(page.locator("#offline-banner")).to_be_visible()

    page.goto("/space/contact")  # never opened: not in the cache
    expect(page.get_by_role("heading", level=1)).to_have_text("Pas de connexion internet")
    expect(page.get_by_role("link", name="Mes paiements de pension")).to_be_visible()


def test_guide_read_online_is_kept_in_the_readers_language(page, context):
    page.goto("/guide/")
    wait_for_service_worker(page)
    page.locator("button[lang=ar]").click()
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    # The anonymous Arabic copy replaces the French one precached at install.
    shell_guide_lang = """async () => {
      const hit = await caches.match('/guide/', { ignoreVary: true });
      return hit ? (/<html lang="(\\w+)"/.exec(await hit.text()) || [])[1] : null;
    }"""
    assert wait_until(lambda: page.evaluate(shell_guide_lang) == "ar")
    context.set_offline(True)
    page.goto("/guide/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#offline-banner")).to_be_visible()


def test_failed_htmx_request_shows_the_offline_banner(page, context):
    _open_payments_online(page)
    expect(page.locator("#offline-banner")).to_be_hidden()
    # The server stops answering while the phone still believes it is online.
    context.route("**/space/contact", lambda route: route.abort("internetdisconnected"))
    open_from_menu(page, "Mes coordonnées")
    expect(page.locator("#offline-banner")).to_be_visible()
    expect(page.locator("#offline-banner")).to_contain_text("Pas de connexion internet")
    # The tap is not lost in silence: the offline page says why, at the page's address.
    expect(page.get_by_role("heading", level=1)).to_have_text("Pas de connexion internet")
    assert page.url.endswith("/space/contact")

    context.unroute("**/space/contact")
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes coordonnées")
    expect(page.locator("#offline-banner")).to_be_hidden()


def test_logout_wipes_the_pensioners_pages_from_the_phone(page, context):
    _open_payments_online(page)
    assert len(_user_caches(page)) == 1
    page.get_by_text("Menu", exact=True).click()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    assert wait_until(lambda: _user_caches(page) == [])
    assert not any("/space/" in u for u in page.evaluate(CACHED_URLS))

    context.set_offline(True)
    page.goto("/space/payments")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pas de connexion internet")
    expect(page.locator(".payment-month")).to_have_count(0)


def test_logout_without_network_still_wipes_the_phone(page, context):
    _open_payments_online(page)
    context.set_offline(True)
    page.reload()
    expect(page.locator(".payment-month").first).to_be_visible()
    page.get_by_text("Menu", exact=True).click()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pas de connexion internet")
    assert _user_caches(page) == []
    page.goto("/space/payments")
    expect(page.locator(".payment-month")).to_have_count(0)


def test_another_pensioner_never_sees_the_previous_ones_pages(page, context):
    _open_payments_online(page)
    first_cache = _user_caches(page)
    context.clear_cookies()  # the session ended without a logout (expired)
    login(page, "DP100002")
    assert wait_until(lambda: (c := _user_caches(page)) and c != first_cache)
    assert len(_user_caches(page)) == 1
    assert not any(u.endswith(" /space/payments") for u in page.evaluate(CACHED_URLS))
    context.set_offline(True)
    page.goto("/space/payments")
    expect(page.locator(".payment-month")).to_have_count(0)


def test_only_private_answers_are_kept(page, live_server):
    _open_payments_online(page)
    # The same address answered without "Cache-Control: private" (Overrides
    # sends "no-cache"): the service worker must not keep it.
    live_server.serve(
        "/space/alerts",
        "<!doctype html><title>x</title><h1>Public</h1>",
        "text/html; charset=utf-8",
    )
    try:
        page.goto("/space/alerts")
        expect(page.get_by_role("heading", level=1)).to_have_text("Public")
        # The worker writes its copies one after another (sw.js ``serially``): once a
        # private page opened after this one is kept again, this one would have been too.
        page.evaluate(FORGET_COPY, "/space/payments")
        page.goto("/space/payments")
        assert wait_until(
            lambda: any(u.endswith(" /space/payments") for u in page.evaluate(CACHED_URLS))
        )
        assert not any("/space/alerts" in u for u in page.evaluate(CACHED_URLS))
    finally:
        live_server.serve("/space/alerts", None, "")
    page.goto("/space/alerts")
    assert wait_until(lambda: any("/space/alerts" in u for u in page.evaluate(CACHED_URLS)))


def test_staff_pages_are_never_kept(page):
    page.goto("/staff/login")
    wait_for_service_worker(page)
    page.get_by_label("Adresse e-mail").fill("conseiller@demo.dialvie.ma")
    page.get_by_label("Mot de passe").fill("Conseil2026!")
    with page.expect_navigation():
        page.get_by_role("button").filter(has_text=re.compile("connecter", re.I)).click()
    response = page.goto("/staff/")
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"
    page.goto("/staff/pensioners/1")
    # Staff pages, not the static files they use (staff.css may be cached like any asset).
    cached = [u.split(" ", 1)[1] for u in page.evaluate(CACHED_URLS)]
    assert cached and not [path for path in cached if path.startswith("/staff")], cached
    assert _user_caches(page) == []


def test_new_version_is_offered_and_installed_on_request(page, live_server):
    page.goto("/")
    wait_for_service_worker(page)
    old_shell = [n for n in page.evaluate(CACHE_NAMES) if n.startswith("dialvie-shell-")]
    assert len(old_shell) == 1
    source = page.request.get("/sw.js").text()
    version = re.search(r'const VERSION = "([^"]+)"', source).group(1)
    live_server.serve_sw(source.replace(version, version + "-next"))
    try:
        page.reload()  # a navigation checks for a new worker
        banner = page.locator("#update-banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("nouvelle version")
        with page.expect_event("load"):
            page.get_by_role("button", name="Mettre à jour").click()
        expect(page.locator("#update-banner")).to_be_hidden()
        assert wait_until(
            lambda: (
                [n for n in page.evaluate(CACHE_NAMES) if n.startswith("dialvie-shell-")]
                == [f"dialvie-shell-{version}-next"]
            )
        )
    finally:
        live_server.serve_sw(None)


def test_changed_stylesheet_reaches_the_phone_on_the_next_visit(page, live_server):
    page.goto("/guide/")
    wait_for_service_worker(page)
    page.goto("/guide/")
    css = page.request.get("/static/css/app.css").text()
    assert "--paper: #fff;" in css
    live_server.serve(
        "/static/css/app.css",
        css.replace("--paper: #fff;", "--paper: #fffffe;"),
        "text/css; charset=utf-8",
    )
    try:
        paper = "() => getComputedStyle(document.documentElement).getPropertyValue('--paper')"
        page.goto("/guide/")  # answered from the cache at once, refreshed behind
        assert page.evaluate(paper).strip() == "#fff"

        def refreshed():
            page.goto("/guide/")
            return page.evaluate(paper).strip() == "#fffffe"

        assert wait_until(refreshed, timeout=10, step=0.3)
    finally:
        live_server.serve("/static/css/app.css", None, "")


def test_manifest_makes_the_app_installable(profile_context):
    page = profile_context.pages[0] if profile_context.pages else profile_context.new_page()
    response = page.request.get("/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"].startswith("DialVie")
    assert manifest["short_name"] == "DialVie"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/space/")
    assert manifest["scope"] == "/"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert (manifest["lang"], manifest["dir"]) == ("fr", "ltr")
    icons = {(i["sizes"], i["purpose"]): i["src"] for i in manifest["icons"]}
    for (sizes, purpose), size in (
        (("192x192", "any"), 192),
        (("512x512", "any"), 512),
        (("512x512", "maskable"), 512),
    ):
        png = page.request.get(icons[(sizes, purpose)])
        assert png.ok and Image.open(io.BytesIO(png.body())).size == (size, size)
    # Maskable: full bleed (no transparent corner), the drawing inside the safe circle.
    maskable = Image.open(io.BytesIO(page.request.get(icons[("512x512", "maskable")]).body()))
    rgba = maskable.convert("RGBA")
    assert all(rgba.getpixel(corner)[3] == 255 for corner in ((0, 0), (511, 0), (0, 511)))
    background = rgba.getpixel((0, 0))
    drawn = [
        (x, y)
        for x in range(0, 512, 4)
        for y in range(0, 512, 4)
        if rgba.getpixel((x, y)) != background
    ]
    assert drawn and all((x - 256) ** 2 + (y - 256) ** 2 <= (0.4 * 512) ** 2 for x, y in drawn)

    page.goto("/")
    wait_for_service_worker(page)
    cdp = profile_context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    assert cdp.send("Page.getAppManifest")["errors"] == []


def test_install_help_on_android_and_iphone(page, browser, live_server):
    page.goto("/")
    expect(page.locator("#install-help")).to_be_hidden()
    # Chrome's own event, as Android fires it when the app can be installed.
    page.evaluate("""() => {
      const evt = new Event('beforeinstallprompt', { cancelable: true });
      evt.prompt = () => { window.__prompted = true; return Promise.resolve(); };
      window.dispatchEvent(evt);
    }""")
    button = page.get_by_role("button", name="Ajouter à l'écran d'accueil")
    expect(button).to_be_visible()
    button.click()
    assert page.evaluate("window.__prompted") is True
    expect(page.locator("#install-help")).to_be_hidden()

    iphone = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    )
    try:
        ios_page = iphone.new_page()
        ios_page.goto("/")
        expect(ios_page.locator("#install-ios")).to_be_visible()
        expect(ios_page.locator("#install-ios")).to_contain_text("Sur l'écran d'accueil")
    finally:
        iphone.close()


def test_actions_that_need_the_network_are_off_while_offline_with_the_reason(page, context):
    _open_payments_online(page)
    page.goto("/space/attestation")
    prepare = page.get_by_role("button", name="Préparer mon attestation (PDF)")
    expect(prepare).to_be_enabled()

    context.set_offline(True)
    expect(prepare).to_be_disabled()
    reason = page.locator(".offline-reason")
    expect(reason.first).to_be_visible()
    expect(reason.first).to_have_text(
        "Indisponible sans connexion internet. Réessayez une fois connecté."
    )
    assert prepare.get_attribute("aria-describedby") == reason.first.get_attribute("id")

    context.set_offline(False)
    expect(prepare).to_be_enabled()
    expect(page.locator(".offline-reason")).to_have_count(0)
