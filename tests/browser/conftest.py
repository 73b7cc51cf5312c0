"""Browser harness: the app on a live local server, driven by Debian's Chromium.

The server runs the real app (CSRF on, jobs on Redis with a real RQ worker)
on the PostgreSQL test database, in a thread on a random loopback port;
``http://127.0.0.1`` is a secure context, so the service worker runs. Chromium
is the system one (``/usr/bin/chromium``): nothing is ever downloaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import text
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: F401  (re-exported)
from webapp import create_app

ROOT = Path(__file__).resolve().parents[2]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DEMO_DP, DEMO_PASSWORD = "DP100001", "Demo2026!"
# A loaded CI machine may take a few seconds to install the service worker.
expect.set_options(timeout=10_000)


# When a browser context closes while the service worker is still refreshing a
# static file, werkzeug's dev server drops the connection and leaves that file to
# the garbage collector. Only that warning is ignored, only in this directory.
DROPPED_STATIC_FILE = pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <_io\.FileIO name='[^']*webapp/static/"
    r":pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(items):
    """Apply DROPPED_STATIC_FILE to the browser tests."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(DROPPED_STATIC_FILE)


class QuietHandler(WSGIRequestHandler):
    """No access log lines in the test output."""

    def log_request(self, *args, **kwargs):
        pass


class Overrides:
    """WSGI wrapper that can serve other bytes for a path, as a new deploy would."""

    def __init__(self, app):
        self.app = app
        self.files: dict[str, tuple[bytes, str]] = {}

    def __call__(self, environ, start_response):
        override = self.files.get(environ.get("PATH_INFO", ""))
        if override is None:
            return self.app(environ, start_response)
        body, content_type = override
        headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-cache"),
        ]
        if environ["PATH_INFO"] == "/sw.js":
            headers.append(("Service-Worker-Allowed", "/"))
        start_response("200 OK", headers)
        return [body]


class LiveServer:
    """The running app: its base URL, the Flask app and the sw.js switch."""

    def __init__(self, app, url: str, wrapper: Overrides):
        self.app = app
        self.url = url
        self._wrapper = wrapper

    def serve(self, path: str, body: str | None, content_type: str) -> None:
        """Serve ``body`` at ``path`` from now on (None: the app's own answer again)."""
        if body is None:
            self._wrapper.files.pop(path, None)
        else:
            self._wrapper.files[path] = (body.encode(), content_type)

    def serve_sw(self, source: str | None) -> None:
        """Serve ``source`` as /sw.js from now on (None: the real file again)."""
        self.serve("/sw.js", source, "text/javascript; charset=utf-8")

    def sql(self, statement: str, **params) -> list:
        """Run SQL on the test database (to check or reset what a test changed)."""
        from webapp.db import engine

        with self.app.app_context(), engine().begin() as conn:
            result = conn.execute(text(statement), params)
            return list(result) if result.returns_rows else []


def reset_database(app) -> None:
    """Empty every table and seed the demo again (module servers put back what they change)."""
    from webapp.db import engine, get_session
    from webapp.services import demo

    with app.app_context():
        with engine().begin() as conn:
            names = [
                r[0]
                for r in conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                        "AND tablename <> 'alembic_version'"
                    )
                )
            ]
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        demo.seed(get_session())


@pytest.fixture(scope="session")
def live_server(pg_url, redis_server_url, tmp_path_factory) -> Iterator[LiveServer]:
    """The app served on 127.0.0.1:<free port>, demo seeded, with an RQ worker."""
    queue = f"browser-{os.getpid()}"
    config = {
        "DATABASE_URL": pg_url,
        "REDIS_URL": redis_server_url,
        "RQ_QUEUE": queue,
        "SECRET_KEY": "browser-test-secret",
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": True,
    }
    app = create_app(config)
    reset_database(app)
    wrapper = Overrides(app)
    server = make_server("127.0.0.1", 0, wrapper, threaded=True, request_handler=QuietHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    env = {
        **os.environ,
        "DATABASE_URL": pg_url,
        "REDIS_URL": redis_server_url,
        "RQ_QUEUE": queue,
        "SECRET_KEY": config["SECRET_KEY"],
        "PUBLIC_BASE_URL": url,
    }
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield LiveServer(app, url, wrapper)
    finally:
        print(f"RQ worker log: {log}")
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            from webapp.db import engine

            with engine().begin() as conn:
                names = [
                    r[0]
                    for r in conn.execute(
                        text(
                            "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                            "AND tablename <> 'alembic_version'"
                        )
                    )
                ]
                conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        app.extensions["db_engine"].dispose()


@pytest.fixture
def profile_context(playwright, live_server, tmp_path) -> Iterator[BrowserContext]:
    """A phone profile on disk, not incognito (Chromium installs apps only there)."""
    ctx = playwright.chromium.launch_persistent_context(
        tmp_path / "profile",
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        base_url=live_server.url,
        locale="fr-FR",
        **PHONE,
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def context(browser, live_server) -> Iterator[BrowserContext]:
    """A fresh phone-sized French browser profile (cookies, caches, service worker)."""
    ctx = browser.new_context(base_url=live_server.url, locale="fr-FR", **PHONE)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context) -> Page:
    """A tab in the phone profile."""
    return context.new_page()


@pytest.fixture(autouse=True)
def _reset_demo_pensioner(request):
    """Tests change DP100001's language and contact details: put them back."""
    yield
    if "live_server" in request.fixturenames:
        server = request.getfixturevalue("live_server")
        server.sql(
            "UPDATE pensioner SET language='fr', email='m.benani@example.ma' WHERE dp_number=:dp",
            dp=DEMO_DP,
        )


def login(page: Page, dp: str = DEMO_DP, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form, as a pensioner would, and land on the home screen."""
    page.goto("/auth/login")
    # By id, not by label: the page may be in Arabic or English.
    page.locator("#dp_number").fill(dp)
    page.locator("#password").fill(password)
    page.locator("form:has(#password) button[type=submit]").click()
    page.wait_for_url("**/space/")


def wait_for_service_worker(page: Page) -> None:
    """Wait until the service worker is active and controls the page.

    A page whose navigation started while the worker was still installing is
    not claimed by it; a real user's next page is, so the test reloads once.
    Polled from Python: wait_for_function would need eval(), which the CSP forbids.
    """
    active = wait_until(
        lambda: page.evaluate(
            "async () => { const r = await navigator.serviceWorker.getRegistration();"
            " return !!(r && r.active && r.active.state === 'activated'); }"
        )
    )
    assert active, "the service worker was not installed"
    if not page.evaluate("() => !!navigator.serviceWorker.controller"):
        page.reload()
    assert wait_until(lambda: page.evaluate("() => !!navigator.serviceWorker.controller"))


def wait_until(predicate, timeout: float = 10.0, step: float = 0.1):
    """Poll ``predicate`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def open_from_menu(page: Page, name: str) -> None:
    """Open the menu and tap one of its links (places not in the shortcut bar)."""
    if page.locator("#menu").get_attribute("open") is None:
        page.locator("#menu summary").click()
    page.locator("#menu").get_by_role("link", name=name, exact=True).click()
