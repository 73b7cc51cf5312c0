"""The desk chip read for real: the staff page in Chromium, the desk helper, pcscd and vpcd.

The adviser's side is Chromium on a live server (the app in a thread, CSRF on,
relay sessions in memory); the adviser's PC is ``python -m nfc_bridge forward``
run as a subprocess; the reader is pcscd's "Virtual PCD" (vsmartcard-vpcd) with
the simulated demo passport laid on it (DEMO Amina, the registry's DP100010).
Waits are generous and polled: a loaded machine needs seconds for a fresh
interpreter and for pcscd to notice a card.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text
from werkzeug.serving import WSGIRequestHandler, make_server

from nfc_bridge.sim import demo_passport
from nfc_bridge.transports.pcscd import PcscdProcess, wait_for_card
from nfc_bridge.transports.vpcd import VpcdCard
from tests.browser.conftest import reset_database

pytestmark = [
    pytest.mark.pcsc,
    pytest.mark.browser,
    pytest.mark.slow,
    # werkzeug's dev server may drop a static file when a browser context closes.
    pytest.mark.filterwarnings(
        r"ignore:Exception ignored in. <_io\.FileIO name='[^']*webapp/static/"
        r":pytest.PytestUnraisableExceptionWarning"
    ),
]

ROOT = Path(__file__).resolve().parents[2]
DESK = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))
NUMBER, EXPIRY = "UT4821957", "2031-01-01"
WAIT_MS = 90_000  # the read, pcscd and a fresh interpreter on a loaded machine
HELPER_TIMEOUT = 240  # seconds for the desk helper's whole run


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def _tables(conn) -> list[str]:
    rows = conn.execute(
        text(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' "
            "AND tablename <> 'alembic_version'"
        )
    )
    return [r[0] for r in rows]


@pytest.fixture(scope="module")
def server(pg_url, tmp_path_factory) -> Iterator[tuple]:
    """``(app, base_url)``: the demo seeded on the test database, served on a free port.

    The server trusts the demo passport's CSCA as a deployment trusts its countries'
    (``NFC_CSCA_PATH``), so passive authentication really runs against it.
    """
    from cryptography.hazmat.primitives.serialization import Encoding

    from webapp import create_app
    from webapp.db import engine, get_session
    from webapp.services import demo

    csca = tmp_path_factory.mktemp("csca") / "demo-csca.pem"
    csca.write_bytes(b"".join(c.public_bytes(Encoding.PEM) for c in demo_passport()[2].certs))
    app = create_app(
        {
            "NFC_CSCA_PATH": str(csca),
            "DATABASE_URL": pg_url,
            "REDIS_URL": "",
            "SECRET_KEY": "desk-chip-test",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": True,
        }
    )
    with app.app_context():
        with engine().begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(_tables(conn))} RESTART IDENTITY CASCADE"))
        demo.seed(get_session())
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        # The demo back as it was: the session's live server shares this database.
        reset_database(app)
        app.extensions["db_engine"].dispose()


def _sql(app, statement: str, **params) -> list:
    from webapp.db import engine

    with app.app_context(), engine().begin() as conn:
        result = conn.execute(text(statement), params)
        return list(result) if result.returns_rows else []


@pytest.fixture
def pcscd():
    """pcscd with the virtual reader, checked (or started again) for each test: a daemon
    stopped by another run on the machine between two tests must not fail the next."""
    with PcscdProcess(timeout=60) as daemon:
        yield daemon


@contextmanager
def passport_on_reader():
    """The demo passport laid on the virtual reader, then taken off (and pcscd noticing)."""
    chip, _mrz, _trust = demo_passport()
    card = VpcdCard(chip, connect_timeout=60).start()
    assert card.wait_connected(60), f"vpcd did not accept the card: {card.error}"
    arrived = None
    try:
        arrived = wait_for_card(present=True, timeout=60)
        yield card
    finally:
        card.stop()
        if arrived is not None:
            wait_for_card(present=False, since=arrived, timeout=60)


@contextmanager
def desk_page(browser, base_url: str, *, lang: str, viewport: dict) -> Iterator[Page]:
    """An adviser logged in on the staff view, in ``lang``, at ``viewport``."""
    ctx = browser.new_context(base_url=base_url, locale=lang, viewport=viewport)
    ctx.set_default_timeout(30_000)
    if lang.startswith("ar"):
        ctx.add_cookies([{"name": "lang", "value": "ar", "url": base_url}])
    page = ctx.new_page()
    try:
        page.goto("/staff/login")
        page.locator("#email").fill("conseiller@demo.dialvie.ma")
        page.locator("#password").fill("Conseil2026!")
        page.locator("form:has(#password) button[type=submit]").click()
        page.wait_for_url("**/staff/")
        yield page
    finally:
        ctx.close()


def _amina(app) -> int:
    return _sql(app, "SELECT id FROM pensioner WHERE dp_number = 'DP100010'")[0][0]


def _start_read(page: Page, pid: int, *, expiry: str = EXPIRY) -> str:
    """Open the file, check the passport, type the MRZ data: the desk helper's command."""
    page.goto(f"/staff/pensioners/{pid}")
    expect(page.locator("#chip_number")).to_have_value(NUMBER, timeout=WAIT_MS)  # from the registry
    expect(page.locator("#chip_birth")).to_have_value("1950-03-15")
    page.locator("#chip_document_type").select_option("passport")
    page.locator("#chip_identity_number").fill(NUMBER)
    page.locator("#chip_expiry").fill(expiry)
    page.locator("#desk-chip-start").click()
    command = page.locator("#desk-chip-command")
    expect(command).to_be_visible(timeout=WAIT_MS)
    value = command.input_value()
    assert value.startswith("python -m nfc_bridge forward http://127.0.0.1:")
    return value.split()[-1]


def _forward(session_url: str) -> subprocess.CompletedProcess:
    """The adviser pastes the command on the PC with the reader."""
    return subprocess.run(
        [sys.executable, "-m", "nfc_bridge", "forward", session_url,
         "--reader-name", "Virtual PCD", "--wait", "90"],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True, text=True, timeout=HELPER_TIMEOUT,
    )  # fmt: skip


def _shot(page: Page, name: str) -> None:
    """The #desk-chip section as it lies in the page (the sticky header stays at the top)."""
    page.evaluate("() => window.scrollTo(0, 0)")
    box = page.locator("#desk-chip").bounding_box()
    assert box is not None
    page.screenshot(path=str(SHOTS / name), full_page=True, clip=box)


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _axe(page: Page) -> list[str]:
    """axe-core's serious and critical WCAG A/AA violations inside #desk-chip."""
    assert AXE.exists(), "axe-core is missing: run `npm ci` (scripts/setup.sh does)"
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())  # through DevTools: the page's CSP does not apply
    found = page.evaluate(
        "async () => (await axe.run('#desk-chip', {runOnly: {type: 'tag', values:"
        " ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}, resultTypes:"
        " ['violations']})).violations.map(v => [v.impact, v.id, v.nodes.length])"
    )
    return [
        f"{impact} {rule} x{n}" for impact, rule, n in found if impact in ("serious", "critical")
    ]


def _until(predicate, timeout: float = WAIT_MS / 1000):
    """Poll ``predicate`` (from Python: the page's CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return value


def _fits(page: Page, width: int, scope: str | None = None) -> None:
    """No sideways scroll at ``width``; with ``scope``, nothing in it sticks out either."""
    if scope is None:
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        return
    outside = page.evaluate(
        """([scope, w]) => [...document.querySelectorAll(scope + ' *')]
            .filter((e) => e.offsetParent !== null)
            .map((e) => [e.tagName + '#' + e.id, e.getBoundingClientRect()])
            .filter(([, r]) => r.right > w + 1 || r.left < -1)
            .map(([name, r]) => name + ' ' + Math.round(r.left) + '..' + Math.round(r.right))""",
        [scope, width],
    )
    assert outside == [], outside[:10]


def test_adviser_reads_the_passport_on_the_desk_reader_and_enrols_its_photo(pcscd, server, browser):
    app, url = server
    pid = _amina(app)
    try:
        with desk_page(browser, url, lang="fr-FR", viewport=DESK) as page:
            page.goto(f"/staff/pensioners/{pid}")
            section = page.locator("#desk-chip")
            expect(section).to_have_attribute("data-state", "form", timeout=WAIT_MS)
            _shot(page, "desk-chip-fr-1280-form.png")
            assert _axe(page) == []
            session_url = _start_read(page, pid)
            expect(page.locator("#desk-chip-progress")).to_contain_text("En attente du lecteur")
            _fits(page, DESK["width"])
            _shot(page, "desk-chip-fr-1280-waiting.png")
            with passport_on_reader() as card:
                done = _forward(session_url)
                assert card.apdu_count > 10, "the APDUs went through pcscd to the passport"
            assert done.returncode == 0, done.stdout + done.stderr
            assert "Lecteur : Virtual PCD" in done.stdout and "Lecture : 100 %" in done.stdout
            expect(section).to_have_attribute("data-state", "ready", timeout=WAIT_MS)
            photo = page.locator("#desk-chip-photo")
            expect(photo).to_be_visible(timeout=WAIT_MS)
            assert _until(
                lambda: page.evaluate(
                    "() => document.querySelector('#desk-chip-photo').naturalWidth"
                )
            ), "the chip photo shows"
            expect(section).to_contain_text("DEMO Amina")  # the file's name beside the photo
            expect(section).to_contain_text("authentification passive réussie")
            _fits(page, DESK["width"])
            _shot(page, "desk-chip-fr-1280-ready.png")
            assert _axe(page) == []
            page.locator("#desk-chip-confirm").click()
            expect(page.locator("#desk-chip-done")).to_be_visible(timeout=WAIT_MS)
            expect(page.locator("#reference")).to_contain_text("puce du passeport, lue au guichet")
            expect(page.locator("#desk-enrolment")).to_have_count(0)  # no second enrolment
            page.screenshot(path=str(SHOTS / "desk-chip-fr-1280-done.png"), full_page=True)
        stored = _sql(app, "SELECT source FROM face_reference WHERE pensioner_id = :p", p=pid)
        assert stored == [("desk_chip",)]
        audit = _sql(
            app,
            "SELECT actor_type, detail FROM audit_event WHERE target_id = :p"
            " AND action = 'desk_chip_enrolment'",
            p=pid,
        )
        assert len(audit) == 1 and audit[0][0] == "staff"
        assert audit[0][1]["agency_id"] and audit[0][1]["staff_name"] == "Salma Bennani"
    finally:
        _sql(app, "DELETE FROM face_reference WHERE pensioner_id = :p", p=pid)


def test_a_wrong_expiry_date_gives_the_access_error_in_arabic_on_a_phone(pcscd, server, browser):
    app, url = server
    pid = _amina(app)
    with desk_page(browser, url, lang="ar", viewport=PHONE) as page:
        session_url = _start_read(page, pid, expiry="2031-01-02")
        assert page.locator("html").get_attribute("dir") == "rtl"
        _fits(page, PHONE["width"])
        _shot(page, "desk-chip-ar-390-waiting.png")
        assert _axe(page) == []
        with passport_on_reader():
            failed = _forward(session_url)
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert "Vérifiez les informations de votre passeport" in failed.stderr
        error = page.locator("#desk-chip-error")
        expect(error).to_contain_text("رفضت الشريحة الولوج", timeout=WAIT_MS)
        expect(page.locator("#chip_expiry")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#chip_expiry")).to_have_value("2031-01-02")
        _fits(page, PHONE["width"])
        _shot(page, "desk-chip-ar-390-wrong-key.png")
        assert _axe(page) == []
        # At 320 px only this section is checked: the rest of the file is not ours.
        page.set_viewport_size({"width": 320, "height": 700})
        _fits(page, 320, "#desk-chip")
        _shot(page, "desk-chip-ar-320-wrong-key.png")
    assert not _sql(app, "SELECT 1 FROM face_reference WHERE pensioner_id = :p", p=pid)
    reasons = _sql(
        app,
        "SELECT detail->>'reason' FROM audit_event WHERE target_id = :p"
        " AND action = 'desk_chip_refused' ORDER BY id DESC LIMIT 1",
        p=pid,
    )
    assert reasons == [("wrong_key",)]


def test_a_passport_that_is_not_the_files_holder_is_refused(pcscd, server, browser):
    app, url = server
    pid = _amina(app)
    _sql(app, "UPDATE pensioner SET first_name = 'Fatima' WHERE id = :p", p=pid)
    try:
        with desk_page(browser, url, lang="fr-FR", viewport=PHONE) as page:
            session_url = _start_read(page, pid)
            with passport_on_reader():
                done = _forward(session_url)
            # The chip itself was read fine: the registry check is the server's.
            assert done.returncode == 0, done.stdout + done.stderr
            error = page.locator("#desk-chip-error")
            expect(error).to_contain_text("ne sont pas celles de ce dossier", timeout=WAIT_MS)
            expect(page.locator("#desk-chip-confirm")).to_have_count(0)
            _fits(page, PHONE["width"])
            _shot(page, "desk-chip-fr-390-mismatch.png")
            page.set_viewport_size({"width": 320, "height": 700})
            _fits(page, 320, "#desk-chip")
    finally:
        _sql(app, "UPDATE pensioner SET first_name = 'Amina' WHERE id = :p", p=pid)
    assert not _sql(app, "SELECT 1 FROM face_reference WHERE pensioner_id = :p", p=pid)


def test_no_reader_or_no_passport_keeps_the_session_for_the_same_command(pcscd, server, browser):
    app, url = server
    pid = _amina(app)
    with desk_page(browser, url, lang="ar", viewport=DESK) as page:
        session_url = _start_read(page, pid)
        elsewhere = subprocess.run(
            [sys.executable, "-m", "nfc_bridge", "forward", session_url,
             "--reader-name", "No such reader", "--wait", "1"],
            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
            capture_output=True, text=True, timeout=HELPER_TIMEOUT,
        )  # fmt: skip
        assert elsewhere.returncode == 4, elsewhere.stdout + elsewhere.stderr
        assert "Aucun lecteur de carte sans contact" in elsewhere.stdout
        assert "Virtual PCD" in elsewhere.stderr, "the readers present are listed"
        empty = subprocess.run(
            [sys.executable, "-m", "nfc_bridge", "forward", session_url,
             "--reader-name", "Virtual PCD", "--wait", "1"],
            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
            capture_output=True, text=True, timeout=HELPER_TIMEOUT,
        )  # fmt: skip
        assert empty.returncode == 4, empty.stdout + empty.stderr
        assert "Posez la page photo du passeport" in empty.stdout
        expect(page.locator("#desk-chip")).to_have_attribute(
            "data-state", "waiting", timeout=WAIT_MS
        )
        with passport_on_reader():
            again = _forward(session_url)
        assert again.returncode == 0, again.stdout + again.stderr
        expect(page.locator("#desk-chip")).to_have_attribute("data-state", "ready", timeout=WAIT_MS)
        _fits(page, DESK["width"])
        _shot(page, "desk-chip-ar-1280-ready.png")
        page.locator("#desk-chip form:has(button:not(#desk-chip-confirm)) button").click()
        expect(page.locator("#desk-chip-error")).to_contain_text(
            "تم إلغاء القراءة", timeout=WAIT_MS
        )
    assert not _sql(app, "SELECT 1 FROM face_reference WHERE pensioner_id = :p", p=pid)
