"""Enrolment at the desk with the desk's camera, in Chromium with a fake camera.

Chromium's fake capture device plays the .y4m file test_proof_camera.py makes from
Eileen Collins's portrait (``skimage.data.astronaut``), so the preview shows a real
face. The adviser checks the document, takes the photo from the live preview (once
retaken), and the reference is stored with the desk as its source. Without the
camera permission, or without any camera, the file input still does the job.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_proof_camera import write_y4m

pytestmark = pytest.mark.browser
DESK = {"width": 1280, "height": 800}
NARROW = {"width": 390, "height": 844}
TINY = {"width": 320, "height": 640}
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))
ADVISER = ("conseiller@demo.dialvie.ma", "Conseil2026!", "Salma Bennani")
# Not enrolled, no passport: CIN only (demo.AGENCY_PENSIONER); and the passport holder.
ZINEB, AMINA = "DP100011", "DP100010"


def _portrait() -> Image.Image:
    return Image.fromarray(skimage.data.astronaut())


def _camera_frame() -> np.ndarray:
    """What the fake camera shows: the portrait on a grey 640x480 frame, as write_y4m makes it."""
    picture = _portrait()
    canvas = Image.new("RGB", (640, 480), (120, 120, 120))
    face = picture.resize((round(picture.width * 480 / picture.height), 480))
    canvas.paste(face, ((640 - face.width) // 2, 0))
    return np.asarray(canvas.convert("L"), dtype=np.float32)


@pytest.fixture(scope="module")
def desk_camera(playwright, tmp_path_factory) -> Iterator[Browser]:
    """Chromium with a fake camera playing the portrait; the permission is per context."""
    video = write_y4m(tmp_path_factory.mktemp("desk") / "portrait.y4m", _portrait())
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture
def unenrolled(live_server) -> Iterator[dict[str, int]]:
    """The ids of the two demo files without a reference; their references removed after."""
    rows = live_server.sql(
        "SELECT dp_number, id FROM pensioner WHERE dp_number IN (:a, :b)", a=ZINEB, b=AMINA
    )
    ids = {dp: pid for dp, pid in rows}
    live_server.sql("DELETE FROM face_reference WHERE pensioner_id IN (:a, :b)", **_ab(ids))
    yield ids
    live_server.sql("DELETE FROM face_reference WHERE pensioner_id IN (:a, :b)", **_ab(ids))


def _ab(ids: dict[str, int]) -> dict[str, int]:
    return {"a": ids[ZINEB], "b": ids[AMINA]}


def _desk(
    browser: Browser, live_server, *, lang: str = "fr", camera: bool = True, size=DESK
) -> tuple[BrowserContext, Page]:
    ctx = browser.new_context(
        base_url=live_server.url, locale="ar" if lang == "ar" else "fr-FR", viewport=size
    )
    ctx.set_default_timeout(20_000)
    if camera:
        ctx.grant_permissions(["camera"], origin=live_server.url)
    if lang == "ar":
        ctx.add_cookies([{"name": "lang", "value": "ar", "url": live_server.url}])
    page = ctx.new_page()
    page.goto("/staff/login")
    page.locator("#email").fill(ADVISER[0])
    page.locator("#password").fill(ADVISER[1])
    page.locator("form:has(#password) button[type=submit]").click()
    page.wait_for_url("**/staff/")
    return ctx, page


def _still_pixels(page: Page) -> np.ndarray:
    """The frozen still as grey levels, scaled to the fake camera's 640x480."""
    values = page.evaluate(
        """() => {
          const still = document.getElementById('desk-still');
          const c = document.createElement('canvas');
          c.width = 640; c.height = 480;
          const g = c.getContext('2d');
          g.drawImage(still, 0, 0, 640, 480);
          const d = g.getImageData(0, 0, 640, 480).data;
          const out = [];
          for (let i = 0; i < d.length; i += 4) {
            out.push((d[i] * 299 + d[i + 1] * 587 + d[i + 2] * 114) / 1000);
          }
          return out;
        }"""
    )
    return np.asarray(values, dtype=np.float32).reshape(480, 640)


def _outside(page: Page, selector: str) -> list[str]:
    """Elements of ``selector`` that stick out of the viewport, sideways."""
    return page.evaluate(
        "(sel) => [...document.querySelectorAll(sel + ', ' + sel + ' *')]"
        ".filter(e => { const r = e.getBoundingClientRect();"
        " return r.width && (r.left < -0.5 || r.right > innerWidth + 0.5); })"
        ".map(e => e.tagName + '#' + e.id)",
        selector,
    )


def _axe(page: Page, selector: str) -> list[str]:
    """axe-core's serious and critical violations inside ``selector``."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())  # through DevTools: the page's CSP does not apply
    found = page.evaluate(
        "async ([sel, tags]) => (await axe.run(sel, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ' ' + v.nodes.map(n => n.target.join(' ')).join(', '))",
        [selector, AXE_TAGS],
    )
    return list(found)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def _shot(locator, name: str) -> None:
    """A screenshot of one part of the page, the sticky top bar kept out of its way.

    Through the CSSOM: the page's CSP refuses the <style> Playwright's ``style`` adds.
    """
    locator.page.evaluate("() => { document.querySelector('.topbar').style.position = 'static'; }")
    locator.screenshot(path=str(SHOTS / f"desk-camera-{name}.png"))


def _files_in_input(page: Page) -> int:
    return page.evaluate("() => document.getElementById('photo').files.length")


def test_adviser_takes_the_reference_photo_from_the_live_preview(
    desk_camera, live_server, unenrolled
):
    ctx, desk = _desk(desk_camera, live_server)
    try:
        desk.goto(f"/staff/pensioners/{unenrolled[ZINEB]}")
        section = desk.locator("#desk-enrolment")
        expect(section.locator(".desk-identity")).to_contain_text("EL FASSI Zineb")
        expect(section.locator(".desk-identity")).to_contain_text("02/06/1947")
        expect(desk.locator("#desk-video")).to_be_hidden()  # off until the adviser asks
        _shot(section, "fr-1280-off")
        desk.get_by_role("button", name="Allumer la caméra").click()
        expect(desk.locator("#desk-video")).to_be_visible()
        expect(desk.locator("#desk-file-field")).to_be_hidden()
        expect(desk.locator("#desk-status")).to_contain_text("Caméra allumée")
        _shot(section, "fr-1280-live")
        # The camera is on but no photo yet: the form says so instead of posting.
        desk.get_by_role("button", name="Enregistrer la photo de référence").click()
        expect(desk.locator("#desk-status")).to_contain_text("Prenez d'abord la photo")
        desk.get_by_role("button", name="Prendre la photo").click()
        expect(desk.locator("#desk-still")).to_be_visible()
        expect(desk.locator("#desk-video")).to_be_hidden()
        assert _files_in_input(desk) == 1
        # The still is the camera's own picture, not its mirror image.
        still, frame = _still_pixels(desk), _camera_frame()
        assert _correlation(still, frame) > 0.9
        assert _correlation(still, frame) > _correlation(still, frame[:, ::-1]) + 0.2
        _shot(section, "fr-1280-still")

        desk.get_by_role("button", name="Reprendre").click()
        expect(desk.locator("#desk-video")).to_be_visible()
        expect(desk.locator("#desk-still")).to_be_hidden()
        assert _files_in_input(desk) == 0
        desk.get_by_role("button", name="Prendre la photo").click()
        expect(desk.locator("#desk-still")).to_be_visible()
        assert _files_in_input(desk) == 1

        # A wrong number: refused, and the camera comes back on by itself for the retry.
        desk.locator("#enrol_document_type").select_option("cin")
        desk.locator("#enrol_number").fill("F334456")
        desk.get_by_role("button", name="Enregistrer la photo de référence").click()
        expect(desk.locator("#enrol-error")).to_contain_text("ne correspond pas")
        expect(desk.locator("#desk-video")).to_be_visible()
        desk.get_by_role("button", name="Prendre la photo").click()
        expect(desk.locator("#desk-still")).to_be_visible()
        desk.locator("#enrol_number").fill("f 334455")
        desk.get_by_role("button", name="Enregistrer la photo de référence").click()
        expect(desk.locator("#enrol-done")).to_be_visible()
        expect(desk.locator("#desk-camera")).to_have_count(0)
        expect(desk.locator("#reference")).to_contain_text("caméra du guichet")
        expect(desk.locator("#history")).to_contain_text("Photo de référence prise au guichet")
        expect(desk.locator("#history")).to_contain_text(ADVISER[2])
        _shot(section, "fr-1280-done")
    finally:
        ctx.close()
    pid = unenrolled[ZINEB]
    assert live_server.sql("SELECT source FROM face_reference WHERE pensioner_id = :p", p=pid) == [
        ("desk",)
    ]
    audit = live_server.sql(
        "SELECT a.actor_type, s.email FROM audit_event a JOIN staff_user s ON s.id = a.actor_id "
        "WHERE a.action = 'desk_enrolment' AND a.target_id = :p",
        p=pid,
    )
    assert [tuple(r) for r in audit] == [("staff", ADVISER[0])]


def test_camera_refused_the_file_input_still_enrols(desk_camera, live_server, unenrolled):
    ctx, desk = _desk(desk_camera, live_server, camera=False)
    try:
        desk.goto(f"/staff/pensioners/{unenrolled[AMINA]}")
        desk.get_by_role("button", name="Allumer la caméra").click()
        error = desk.locator("#desk-camera-error")
        expect(error).to_contain_text("L'accès à la caméra a été refusé")
        expect(desk.locator("#desk-camera")).to_be_hidden()
        expect(desk.locator("#photo")).to_be_visible()
        _shot(desk.locator("#desk-enrolment"), "fr-1280-refused")
        buffer = io.BytesIO()
        _portrait().save(buffer, "JPEG", quality=90)
        desk.locator("#photo").set_input_files(
            files=[{"name": "amina.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}]
        )
        desk.locator("#enrol_document_type").select_option("passport")
        desk.locator("#enrol_number").fill("UT4821957")
        desk.get_by_role("button", name="Enregistrer la photo de référence").click()
        expect(desk.locator("#enrol-done")).to_be_visible()
    finally:
        ctx.close()
    assert live_server.sql(
        "SELECT source FROM face_reference WHERE pensioner_id = :p", p=unenrolled[AMINA]
    ) == [("desk",)]


def test_without_a_camera_the_file_input_is_offered_and_a_faceless_photo_is_explained(
    browser, live_server, unenrolled
):
    """No fake device at all: the message at once; a picture without a face is refused."""
    ctx, desk = _desk(browser, live_server, camera=False)
    try:
        desk.goto(f"/staff/pensioners/{unenrolled[ZINEB]}")
        expect(desk.locator("#desk-camera-error")).to_contain_text("Aucune caméra")
        expect(desk.locator("#desk-camera")).to_be_hidden()
        buffer = io.BytesIO()
        Image.new("RGB", (640, 480), (120, 120, 120)).save(buffer, "JPEG")
        desk.locator("#photo").set_input_files(
            files=[{"name": "wall.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}]
        )
        desk.locator("#enrol_number").fill("F334455")
        desk.get_by_role("button", name="Enregistrer la photo de référence").click()
        expect(desk.locator("#enrol-error")).to_contain_text(
            "Aucun visage n'a été trouvé sur la photo"
        )
        expect(desk.locator("#enrol_number")).to_have_value("F334455")
    finally:
        ctx.close()
    assert live_server.sql(
        "SELECT count(*) FROM face_reference WHERE pensioner_id = :p", p=unenrolled[ZINEB]
    ) == [(0,)]


@pytest.mark.parametrize(
    ("lang", "size"), [("ar", NARROW), ("fr", NARROW), ("ar", TINY), ("fr", TINY), ("ar", DESK)]
)
def test_the_desk_camera_reads_in_arabic_and_fits_a_narrow_screen(
    desk_camera, live_server, unenrolled, lang, size
):
    ctx, desk = _desk(desk_camera, live_server, lang=lang, size=size)
    try:
        desk.goto(f"/staff/pensioners/{unenrolled[ZINEB]}")
        assert desk.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        desk.locator("#desk-start").click()
        expect(desk.locator("#desk-video")).to_be_visible()
        desk.locator("#desk-take").click()
        expect(desk.locator("#desk-still")).to_be_visible()
        expect(desk.locator("#desk-retake")).to_be_visible()
        if lang == "ar":
            expect(desk.locator("#desk-retake")).not_to_have_text("Reprendre")
            expect(desk.locator("#desk-status")).not_to_contain_text("Photo prise")
        assert _outside(desk, "#desk-enrolment") == []
        if size["width"] >= 390:  # 320 px: the « Situation » e-mail overflows (not this partial)
            assert desk.evaluate("() => document.documentElement.scrollWidth") <= size["width"]
        assert _axe(desk, "#desk-enrolment") == []
        _shot(desk.locator("#desk-enrolment"), f"{lang}-{size['width']}")
    finally:
        ctx.close()


def test_the_camera_goes_off_when_the_tab_is_left_or_the_camera_stops(
    desk_camera, live_server, unenrolled
):
    ctx, desk = _desk(desk_camera, live_server)
    try:
        desk.goto(f"/staff/pensioners/{unenrolled[ZINEB]}")
        desk.get_by_role("button", name="Allumer la caméra").click()
        expect(desk.locator("#desk-video")).to_be_visible()
        live = (
            "() => { const s = document.getElementById('desk-video').srcObject;"
            " return !!s && s.getVideoTracks().some(t => t.readyState === 'live'); }"
        )
        assert desk.evaluate(live)
        # The adviser switches to another tab: the camera goes off.
        desk.evaluate(
            "() => { Object.defineProperty(document, 'visibilityState', {value: 'hidden',"
            " configurable: true}); document.dispatchEvent(new Event('visibilitychange')); }"
        )
        expect(desk.locator("#desk-video")).to_be_hidden()
        expect(desk.get_by_role("button", name="Allumer la caméra")).to_be_visible()
        expect(desk.locator("#photo")).to_be_visible()
        assert not desk.evaluate(live)
        desk.evaluate("() => { delete document.visibilityState; }")
        # Back, on again; then the camera stops by itself (unplugged).
        desk.get_by_role("button", name="Allumer la caméra").click()
        expect(desk.locator("#desk-video")).to_be_visible()
        desk.evaluate(
            "() => document.getElementById('desk-video').srcObject.getVideoTracks()"
            ".forEach(t => t.dispatchEvent(new Event('ended')))"
        )
        expect(desk.locator("#desk-status")).to_contain_text("La caméra s'est arrêtée")
        expect(desk.get_by_role("button", name="Allumer la caméra")).to_be_visible()
        expect(desk.locator("#photo")).to_be_visible()
    finally:
        ctx.close()
