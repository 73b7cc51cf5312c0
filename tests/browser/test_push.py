"""Web push in Chromium: the offer at a moment of value, the worker's push and click handlers.

Chromium's own push service (FCM) is unreachable here, so the subscription
itself is tested over the protocol in tests/push; these tests deliver a push
message to the service worker through the DevTools protocol, as the browser's
push service would, and check what the pensioner sees and where a tap leads.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, wait_for_service_worker, wait_until


@pytest.fixture
def vapid(live_server):
    """VAPID keys configured on the live app for the test, removed afterwards."""
    from webapp.services.push import generate_keys

    private, public = generate_keys()
    live_server.app.config.update(VAPID_PRIVATE_KEY=private, VAPID_PUBLIC_KEY=public)
    yield public
    live_server.app.config.update(VAPID_PRIVATE_KEY="", VAPID_PUBLIC_KEY="")


def _registration_id(page, cdp) -> str:
    found: dict[str, str] = {}
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.update(
            {r["scopeURL"]: r["registrationId"] for r in event["registrations"]}
        ),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(100):  # Playwright delivers CDP events while it waits, not in sleep()
        if found:
            break
        page.wait_for_timeout(100)
    assert found, "no service worker registration reported"
    return next(iter(found.values()))


NOTIFICATIONS = """async () => {
  const reg = await navigator.serviceWorker.ready;
  return (await reg.getNotifications()).map((n) => ({
    title: n.title, body: n.body, lang: n.lang, dir: n.dir, tag: n.tag, url: n.data.url}));
}"""


def test_alerts_page_offers_reminders_without_asking_on_load(page, context, vapid):
    login(page)
    page.goto("/space/alerts")
    offer = page.locator("[data-push-state=ask]")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("Voulez-vous être prévenu avant la date limite ?")
    # Nothing was asked by itself: the permission is still undecided.
    assert page.evaluate("Notification.permission") == "default"


def test_refused_notifications_say_what_to_do(page, context, vapid):
    # As when the pensioner once answered « Bloquer » to the browser's question.
    context.add_init_script(
        "Object.defineProperty(Notification, 'permission', {get: () => 'denied'})"
    )
    login(page)
    page.goto("/space/alerts")
    expect(page.locator("[data-push-state=denied]")).to_be_visible()
    expect(page.locator("[data-push-state=denied]")).to_contain_text("réglages du navigateur")
    expect(page.locator("[data-push-state=ask]")).to_be_hidden()


def test_reminder_shows_in_the_pensioners_language_and_a_tap_opens_attestation(
    page, context, live_server
):
    context.grant_permissions(["notifications"], origin=live_server.url)
    login(page)
    wait_for_service_worker(page)
    page.goto("/space/alerts")
    cdp = context.new_cdp_session(page)
    registration = _registration_id(page, cdp)
    message = {
        "title": "تنبيه!",
        "body": "بقي لكم 3 أيام للإدلاء بإثبات الحياة",
        "url": "/space/proof/",
        "tag": "proof-2026Q4",
        "lang": "ar",
        "dir": "rtl",
    }
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server.url, "registrationId": registration, "data": json.dumps(message)},
    )
    assert wait_until(lambda: page.evaluate(NOTIFICATIONS))
    [shown] = page.evaluate(NOTIFICATIONS)
    assert shown == {
        "title": "تنبيه!",
        "body": message["body"],
        "lang": "ar",
        "dir": "rtl",
        "tag": "proof-2026Q4",
        "url": "/space/proof/",
    }
    # A newer reminder with the same topic replaces the older one.
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server.url,
            "registrationId": registration,
            "data": json.dumps({**message, "body": "dernier jour"}),
        },
    )
    assert wait_until(lambda: page.evaluate(NOTIFICATIONS)[0]["body"] == "dernier jour")
    assert len(page.evaluate(NOTIFICATIONS)) == 1

    # The tap: the worker's click handler moves the open window to the attestation.
    [worker] = context.service_workers
    worker.evaluate(
        """async () => {
      const [n] = await self.registration.getNotifications();
      self.dispatchEvent(new NotificationEvent('notificationclick', {notification: n}));
    }"""
    )
    page.wait_for_url("**/space/proof/")
    expect(page.locator("h1")).to_be_visible()


def test_a_notification_never_opens_another_site(page, context, live_server):
    context.grant_permissions(["notifications"], origin=live_server.url)
    login(page)
    wait_for_service_worker(page)
    page.goto("/space/alerts")
    cdp = context.new_cdp_session(page)
    registration = _registration_id(page, cdp)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server.url,
            "registrationId": registration,
            "data": json.dumps({"title": "x", "body": "y", "url": "//evil.example/"}),
        },
    )
    assert wait_until(lambda: page.evaluate(NOTIFICATIONS))
    assert page.evaluate(NOTIFICATIONS)[0]["url"] == "/space/proof/"
