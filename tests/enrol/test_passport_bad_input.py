"""Procedure 1, bad input: each case its own message and a way forward, nothing half-created."""

from __future__ import annotations

import io
from datetime import timedelta

import skimage.data
from PIL import Image
from sqlalchemy import text
from sqlmodel import select

from nfc_bridge.relay import play_helper
from nfc_bridge.sim import Faults
from tests.enrol.passport_fixtures import chip, new_enrolment
from webapp.models import Pensioner


def _enrol(app, client, step: str, **kwargs) -> int:
    from webapp.db import get_session

    with app.app_context():
        row = new_enrolment(get_session(), step=step, **kwargs)
        token, row_id = row.token, row.id
    with client.session_transaction() as cookie:
        cookie["enrolment"] = token
    return row_id


def _amina(app) -> Pensioner:
    from webapp.db import get_session

    with app.app_context():
        return get_session().exec(select(Pensioner).where(Pensioner.dp_number == "DP100010")).one()


def _play(app, client, card):
    from webapp.db import get_session
    from webapp.models import Enrolment
    from webapp.services.nfc_relay import relay_service

    with app.app_context():
        row = get_session().exec(select(Enrolment)).one()
        token = row.data["relay_token"]
        relay = relay_service()
        return play_helper(lambda body: relay.exchange(token, **body), card.transmit)


def test_a_holiday_photo_is_not_a_passport_page(app, client, demo):
    _enrol(app, client, "scan", lines=[])
    buffer = io.BytesIO()
    Image.fromarray(skimage.data.astronaut()).save(buffer, "JPEG")
    response = client.post(
        "/enrol/passport/scan",
        data={"image": (io.BytesIO(buffer.getvalue()), "me.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    page = response.data.decode()
    assert response.status_code == 200
    assert "deux lignes de caractères" in page or "évitez les reflets" in page
    assert 'name="image"' in page  # the upload and the camera are still offered


def test_a_chip_that_does_not_answer_asks_to_hold_still_and_retry(app, client, demo):
    _enrol(app, client, "chip")
    client.post("/enrol/passport/chip/start")
    reply = _play(app, client, chip(faults=Faults(stop_after=0)))
    assert reply["error"]["code"] == "chip_removed"
    page = client.get("/enrol/passport/chip/status").data.decode()
    assert 'data-code="read_failed"' in page and 'id="chip-start"' in page


def test_a_cancelled_read_can_be_started_again(app, client, demo):
    _enrol(app, client, "chip")
    started = client.post("/enrol/passport/chip/start").data.decode()
    assert "Annuler la lecture" in started
    page = client.post("/enrol/passport/chip/cancel").data.decode()
    assert 'id="chip-start"' in page and "chip-progress" not in page


def _at_code(app, client, demo) -> int:
    """A passport enrolment at the code step, a code sent by e-mail to Amina."""
    amina = _amina(app)
    row_id = _enrol(
        app,
        client,
        "contact",
        pensioner_id=amina.id,
        chip={"nationality": "UTO"},
        nationality="UTO",
    )
    response = client.post(
        "/enrol/contact", data={"email": "amina@example.org", "gsm": "+33612345678"}
    )
    assert response.status_code in (200, 204, 302, 303), response.data.decode()[-400:]
    return row_id


def test_six_wrong_codes_need_a_new_code_and_open_nothing(app, client, demo):
    _at_code(app, client, demo)
    pages = [client.post("/enrol/code", data={"code": "000000"}).data.decode() for _ in range(6)]
    assert "Recevoir un nouveau code" in pages[-1]
    assert 'name="code"' not in pages[-1]  # no more tries with this code
    amina = _amina(app)
    assert amina.account_status == "not_enrolled" and amina.password_hash is None


def test_an_expired_code_is_explained_and_a_new_one_offered(app, client, demo):
    from webapp.db import engine

    _at_code(app, client, demo)
    with app.app_context(), engine().begin() as conn:
        conn.execute(
            text("UPDATE one_time_code SET expires_at = expires_at - :d"),
            {"d": timedelta(minutes=30)},
        )
    page = client.post("/enrol/code", data={"code": "123456"}).data.decode()
    assert "expiré" in page and "Recevoir un nouveau code" in page
    assert _amina(app).account_status == "not_enrolled"


def test_a_photo_too_large_for_the_scan_is_refused_with_its_message(app, client, demo):
    app.config["ENROL_SCAN_MAX_BYTES"] = 100_000
    _enrol(app, client, "scan", lines=[])
    big = b"\xff\xd8\xff" + bytes(120_000) + b"\xff\xd9"
    response = client.post(
        "/enrol/passport/scan",
        data={"image": (io.BytesIO(big), "page.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "trop volumineuse" in response.data.decode()
    huge = b"\xff\xd8\xff" + bytes(300_000) + b"\xff\xd9"
    over = client.post(
        "/enrol/passport/scan",
        data={"image": (io.BytesIO(huge), "page.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert over.status_code == 413  # refused before the body is read
