"""« Attester de votre vie » in Chromium with a fake camera playing a still photo.

Chromium's fake capture device plays a .y4m file made here from Eileen Collins's
portrait (``skimage.data.astronaut``, the demo pensioner's reference). A still
photo cannot do the asked moves: the attempt must be refused with the liveness
message; with liveness disabled in the test configuration the same flow matches.
The app runs on its own live server with jobs inline, so the test can switch the
configuration between attempts.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text
from werkzeug.serving import make_server

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, QuietHandler, login
from webapp import create_app
from webapp.db import engine

pytestmark = pytest.mark.browser
PROOF_TABLES = "proof_status, proof_attempt, liveness_challenge, face_reference, campaign"


def write_y4m(path: Path, picture: Image.Image, frames: int = 10) -> Path:
    """A 640x480 I420 .y4m video of ``picture`` held perfectly still."""
    canvas = Image.new("RGB", (640, 480), (120, 120, 120))
    face = picture.resize((round(picture.width * 480 / picture.height), 480))
    canvas.paste(face, ((640 - face.width) // 2, 0))
    ycbcr = np.asarray(canvas.convert("YCbCr"), dtype=np.float32)
    y = ycbcr[:, :, 0].astype(np.uint8)
    # 4:2:0: average each 2x2 block of the chroma planes.
    u, v = (
        ycbcr[:, :, c].reshape(240, 2, 320, 2).mean(axis=(1, 3)).round().astype(np.uint8)
        for c in (1, 2)
    )
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F15:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            out.write(b"FRAME\n" + y.tobytes() + u.tobytes() + v.tobytes())
    return path


def _enrol(app) -> None:
    """Demo data present, attempts cleared, DP100001 enrolled with the astronaut's face.

    Done per test: the shared live server empties every table when it starts.
    """
    from sqlmodel import select

    from webapp.db import engine, get_session
    from webapp.models import Pensioner
    from webapp.services import demo, proof_store

    with app.app_context():
        with engine().begin() as conn:
            conn.execute(text("TRUNCATE proof_status, proof_attempt, liveness_challenge CASCADE"))
        session = get_session()
        demo.seed(session)
        p = session.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
        proof_store.set_reference(session, p, proof_store.astronaut_jpeg(), "demo")


@pytest.fixture(scope="module")
def proof_server(pg_url) -> Iterator:
    """The app (CSRF on, jobs inline) on a free port, so tests can switch its configuration."""
    from webapp.db import engine

    app = create_app(
        {
            "DATABASE_URL": pg_url,
            "REDIS_URL": "",
            "SECRET_KEY": "browser-test-secret",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": True,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context(), engine().begin() as conn:
        conn.execute(text(f"TRUNCATE {PROOF_TABLES} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE pensioner SET payment_status='active'"))
    app.extensions["db_engine"].dispose()


@pytest.fixture(scope="module")
def still_camera(playwright, tmp_path_factory) -> Iterator[Browser]:
    """Chromium whose camera plays a still photo of the demo pensioner."""
    video = write_y4m(
        tmp_path_factory.mktemp("camera") / "still.y4m",
        Image.fromarray(skimage.data.astronaut()),
    )
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    yield browser
    browser.close()


def _page(browser: Browser, base_url: str) -> Page:
    context = browser.new_context(base_url=base_url, locale="fr-FR", **PHONE)
    context.set_default_timeout(30_000)
    return context.new_page()


def _attest(page: Page) -> None:
    """From the home screen: the shortcut, « Commencer », « Je suis prêt »."""
    login(page)
    page.locator("#shortcuts").get_by_role("link", name="Attester").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attester de votre vie")
    page.get_by_role("link", name="Commencer").click()
    page.wait_for_url("**/space/proof/camera")
    page.get_by_role("button", name="Je suis prêt").click()
    expect(page.locator("#proof-instruction")).not_to_be_empty()


def test_a_still_photo_is_refused_with_the_liveness_message(proof_server, still_camera):
    _enrol(proof_server)
    proof_server.config["PROOF_LIVENESS_REQUIRED"] = True
    page = _page(still_camera, proof_server.config["PUBLIC_BASE_URL"])
    _attest(page)
    outcome = page.locator("#proof-attempt")
    expect(outcome).to_have_attribute("data-decision", "liveness_failed", timeout=45_000)
    expect(outcome).to_contain_text("Aucun mouvement n'a été vu")
    expect(page.get_by_role("link", name="Recommencer")).to_be_visible()
    page.context.close()


def test_with_liveness_disabled_the_matching_face_is_accepted(proof_server, still_camera):
    _enrol(proof_server)
    proof_server.config["PROOF_LIVENESS_REQUIRED"] = False
    try:
        page = _page(still_camera, proof_server.config["PUBLIC_BASE_URL"])
        _attest(page)
        outcome = page.locator("#proof-attempt")
        expect(outcome).to_have_attribute("data-decision", "match", timeout=45_000)
        expect(outcome).to_contain_text("C'est fait, merci !")
        page.get_by_role("link", name="Retour à l'accueil").click()
        expect(page.locator(".proof-home")).to_contain_text("Attesté le")
        page.context.close()
    finally:
        proof_server.config["PROOF_LIVENESS_REQUIRED"] = True


def test_a_blocked_camera_says_so_and_offers_the_agency(proof_server, browser):
    _enrol(proof_server)
    # No fake camera and no permission: getUserMedia fails.
    page = _page(browser, proof_server.config["PUBLIC_BASE_URL"])
    login(page)
    page.goto("/space/proof/camera")
    page.get_by_role("button", name="Je suis prêt").click()
    error = page.locator("#proof-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("caméra")
    expect(page.locator("#proof-agency")).to_contain_text("en agence")
    page.context.close()


def test_through_the_rq_worker_the_page_polls_then_refuses_the_still_photo(
    live_server, proof_server, still_camera
):
    """The shared live server: jobs on Redis, decided by a separate ``flask jobs worker``."""
    _enrol(live_server.app)
    page = _page(still_camera, live_server.url)
    with page.expect_response(lambda r: "/space/proof/attempts/" in r.url, timeout=30_000) as poll:
        _attest(page)
    assert poll.value.request.headers.get("hx-request") == "true"  # htmx polling
    outcome = page.locator("#proof-attempt")
    expect(outcome).to_have_attribute("data-decision", "liveness_failed", timeout=60_000)
    expect(outcome).to_contain_text("Aucun mouvement n'a été vu")
    rows = live_server.sql(
        "SELECT j.status, j.attempts FROM job j JOIN proof_attempt a ON a.job_id = j.id"
    )
    assert [tuple(r) for r in rows] == [("finished", 1)]
    page.context.close()


def _camera_page(page: Page) -> None:
    login(page)
    page.goto("/space/proof/camera")
    expect(page.get_by_role("button", name="Je suis prêt")).to_be_visible()


def _pause_clock(page: Page) -> None:
    """From now on the page's timers only fire when the test moves its clock."""
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)


def test_the_capture_waits_for_a_slow_person(proof_server, still_camera):
    """A person who does not move yet keeps each instruction on screen for 6 s, counting down.

    The old capture said each instruction for 1.5 s and sent everything after 4.5 s;
    here, 4.5 s into the first instruction it is still there, with 2 s left.
    """
    _enrol(proof_server)
    page = _page(still_camera, proof_server.config["PUBLIC_BASE_URL"])
    page.clock.install()
    _camera_page(page)
    _pause_clock(page)
    camera = page.locator("#proof-camera")
    instruction, countdown = page.locator("#proof-instruction"), page.locator("#proof-countdown")
    with page.expect_response("**/space/proof/challenge") as challenge:
        page.get_by_role("button", name="Je suis prêt").click()
    first, second = (a["text"] for a in challenge.value.json()["actions"])
    expect(instruction).to_have_text("Regardez l'écran")
    page.clock.run_for(1500)
    expect(instruction).to_have_text(first)
    expect(page.locator("#proof-step")).to_have_text("Geste 1 sur 2")
    expect(countdown).to_have_text("Encore 6 s")
    page.clock.run_for(4500)
    expect(instruction).to_have_text(first)
    expect(countdown).to_have_text("Encore 2 s")
    page.clock.run_for(1500)
    expect(instruction).to_have_text(second)
    expect(page.locator("#proof-step")).to_have_text("Geste 2 sur 2")
    expect(countdown).to_have_text("Encore 6 s")
    page.clock.run_for(5000)
    expect(instruction).to_have_text(second)
    with page.expect_request("**/space/proof/upload"):
        page.clock.run_for(1000)
    page.clock.resume()
    expect(page.locator("#proof-attempt")).to_have_attribute(
        "data-decision", "liveness_failed", timeout=45_000
    )
    # 1.5 s to look at the screen, then 6 s per instruction: nothing was seen moving.
    expect(camera).to_have_attribute("data-capture-ms", "13500")
    expect(camera).to_have_attribute("data-frame-count", "20")
    sent = int(camera.get_attribute("data-upload-bytes") or 0)
    print(f"upload: 20 frames, {sent} bytes of JPEG")
    assert 0 < sent < proof_server.config["PROOF_MAX_FRAMES"] * 1024 * 1024
    with proof_server.app_context(), engine().begin() as conn:
        frames = conn.execute(text("SELECT frame_count FROM proof_attempt")).scalars().all()
    assert frames == [20]
    page.context.close()


def test_the_practice_run_uploads_nothing_and_counts_no_attempt(proof_server, still_camera):
    _enrol(proof_server)
    page = _page(still_camera, proof_server.config["PUBLIC_BASE_URL"])
    page.clock.install()
    _camera_page(page)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    _pause_clock(page)
    page.get_by_role("button", name="M'entraîner d'abord").click()
    instruction = page.locator("#proof-instruction")
    expect(instruction).to_have_text("Regardez l'écran")
    page.clock.run_for(1500)
    expect(page.locator("#proof-step")).to_have_text("Geste 1 sur 2")
    page.clock.run_for(12_000)
    done = page.locator("#proof-practiced")
    # A still photo does not move: the practice says so, kindly, and that nothing was sent.
    expect(done).to_contain_text("Nous n'avons pas vu tous les gestes")
    expect(done).to_contain_text("Rien n'a été envoyé")
    real = page.get_by_role("button", name="Maintenant, pour de vrai")
    expect(real).to_be_visible()
    expect(real).to_be_focused()
    assert sent == []
    counts = proof_server_counts(proof_server)
    assert counts == (0, 0)
    with page.expect_response("**/space/proof/challenge"):
        real.click()
    assert proof_server_counts(proof_server) == (1, 0)
    page.context.close()


def proof_server_counts(app) -> tuple[int, int]:
    """(challenges issued, attempts recorded) in the test database."""
    with app.app_context(), engine().begin() as conn:
        challenges = conn.execute(text("SELECT count(*) FROM liveness_challenge")).scalar_one()
        attempts = conn.execute(text("SELECT count(*) FROM proof_attempt")).scalar_one()
    return challenges, attempts
