"""Procedure 1 through the web layer: scan, chip read, check; each refusal its own message."""

from __future__ import annotations

import io

import pytest
from sqlmodel import select

from nfc_bridge.relay import play_helper
from nfc_bridge.sim import Faults
from tests.enrol.passport_fixtures import chip, new_enrolment, td3_lines
from webapp.models import Enrolment, JobRecord, Pensioner


@pytest.fixture
def mrz_engine(monkeypatch):
    """The MRZ engine's answer for the next pictures (set ``answer["value"]``): the real
    engine reads the generated page in ``test_the_demo_page_is_read_by_the_mrz_engine``."""
    import mrz_reader
    from mrz_reader import MrzResult

    answer = {"value": {"valid": True, "lines": td3_lines(), "fields": {}, "reason": None}}

    def read(picture):
        value = answer["value"]
        return MrzResult(value["valid"], tuple(value["lines"]), {}, value["reason"])

    monkeypatch.setattr(mrz_reader, "read", read)
    return answer


def _enrol(app, client, step: str, **kwargs) -> int:
    from webapp.db import get_session

    with app.app_context():
        row = new_enrolment(get_session(), step=step, **kwargs)
        token, row_id = row.token, row.id
    with client.session_transaction() as cookie:
        cookie["enrolment"] = token
    return row_id


def _row(app, row_id) -> Enrolment:
    from webapp.db import get_session

    with app.app_context():
        return get_session().get(Enrolment, row_id)


def _picture() -> bytes:
    from webapp.services.demo_passport import demo_page_jpeg

    return demo_page_jpeg()


def _post_picture(client, data: bytes, **headers):
    return client.post(
        "/enrol/passport/scan",
        data={"image": (io.BytesIO(data), "page.jpg", "image/jpeg")},
        content_type="multipart/form-data",
        headers=headers,
    )


def test_a_valid_mrz_takes_the_pensioner_to_the_chip_step(app, client, demo, mrz_engine):
    row_id = _enrol(app, client, "scan", lines=[])
    page = client.get("/enrol/passport/scan").data.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    response = _post_picture(client, _picture(), **{"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/enrol/passport/chip"
    row = _row(app, row_id)
    assert row.step == "chip" and row.data["mrz_lines"] == td3_lines()
    with app.app_context():
        from webapp.db import get_session

        job = get_session().exec(select(JobRecord)).one()
        assert job.kind == "mrz_read" and len(job.args["args"]) == 1  # a key, not the picture


def test_the_demo_page_is_read_by_the_mrz_engine(app, client, demo):
    row_id = _enrol(app, client, "scan", lines=[])
    response = _post_picture(client, _picture())
    assert response.status_code in (302, 303), response.data.decode()[-500:]
    assert _row(app, row_id).data["mrz_lines"] == td3_lines()


def test_a_photo_that_is_not_a_passport_page_says_so(app, client, demo, mrz_engine):
    row_id = _enrol(app, client, "scan", lines=[])
    mrz_engine["value"] = {"valid": False, "lines": [], "reason": "no_mrz"}
    response = _post_picture(client, _picture())
    page = response.data.decode()
    assert response.status_code == 200 and "deux lignes de caractères" in page
    mrz_engine["value"] = {"valid": False, "lines": [], "reason": "blurred"}
    assert "évitez les reflets" in _post_picture(client, _picture()).data.decode()
    not_a_picture = _post_picture(client, b"%PDF-1.4 not a photo")
    assert not_a_picture.status_code == 422
    assert "pas une photo lisible" in not_a_picture.data.decode()
    assert _row(app, row_id).step == "scan"


def test_an_identity_card_mrz_is_not_a_passport(app, client, demo, mrz_engine):
    _enrol(app, client, "scan", lines=[])
    lines = ["I<UTOD23145890<7349<<<<<<<<<<<", "3407127M9507122UTO<<<<<<<<<<<2"]
    mrz_engine["value"] = {"valid": True, "lines": lines, "reason": None}
    assert "pas un passeport" in _post_picture(client, _picture()).data.decode()


def _play(app, row_id, card):
    from webapp.services.nfc_relay import relay_service

    token = _row(app, row_id).data["relay_token"]
    with app.app_context():
        relay = relay_service()
        return play_helper(lambda body: relay.exchange(token, **body), card.transmit)


def test_the_chip_read_moves_on_to_the_check_with_the_chip_data(app, client, demo):
    row_id = _enrol(app, client, "chip")
    page = client.post("/enrol/passport/chip/start", headers={"User-Agent": "Android"})
    body = page.data.decode()
    assert "intent://relay?" in body and "package=org.dialvie.nfc" in body
    assert "/enrol/passport/chip/status" in body  # the page polls
    assert _play(app, row_id, chip())["error"] is None
    status = client.get("/enrol/passport/chip/status", headers={"HX-Request": "true"})
    assert status.headers["HX-Redirect"] == "/enrol/passport/check"
    check = client.get("/enrol/passport/check").data.decode()
    assert "AMINA" in check and "UT4821957" in check and "15 mars 1950" in check
    assert 'name="dp_number"' in check  # a foreign passport: the DP number is asked
    photo = client.get("/enrol/passport/photo")
    assert photo.data.startswith(b"\xff\xd8") and photo.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("card", "lines", "code", "text", "forward"),
    [
        (lambda: chip(faults=Faults(stop_after=10)), None, "read_failed", "immobile", "Réessayer"),
        (
            lambda: chip(expiry="240101"),
            td3_lines(expiry="240101"),
            "document_expired",
            "expiré",
            "Autre solution : la prise de photo par selfie",
        ),
        (
            lambda: chip(),
            td3_lines(surname="DEMOS"),
            "chip_mismatch",
            "ne correspondent pas",
            "Scanner à nouveau la page photo",
        ),
    ],
)
def test_each_chip_refusal_has_its_message_and_a_way_forward(
    app, client, demo, card, lines, code, text, forward
):
    row_id = _enrol(app, client, "chip", lines=lines)
    client.post("/enrol/passport/chip/start")
    _play(app, row_id, card())
    page = client.get("/enrol/passport/chip/status").data.decode()
    assert f'data-code="{code}"' in page and text in page
    assert forward in page
    row = _row(app, row_id)
    assert row.step == "chip" and row.reference_photo is None and "chip" not in row.data


def test_check_finds_the_foreign_passport_holder_by_dp_number(app, client, demo):
    from webapp.services import enrol_selfie, enrolment as enrolment_service

    row_id = _enrol(app, client, "chip")
    client.post("/enrol/passport/chip/start")
    _play(app, row_id, chip())
    client.get("/enrol/passport/chip/status")
    missing = client.post("/enrol/passport/check", data={"action": "confirm"})
    assert missing.status_code == 422
    assert "Indiquez votre numéro de dossier" in missing.data.decode()
    wrong = client.post(
        "/enrol/passport/check", data={"action": "confirm", "dp_number": "DP100001"}
    )
    assert wrong.status_code == 422 and "ne correspond pas" in wrong.data.decode()
    ok = client.post("/enrol/passport/check", data={"action": "confirm", "dp_number": "dp100010"})
    assert ok.status_code in (302, 303) and ok.headers["Location"] == "/enrol/contact"
    row = _row(app, row_id)
    with app.app_context():
        from webapp.db import get_session

        amina = get_session().exec(select(Pensioner).where(Pensioner.dp_number == "DP100010")).one()
        assert row.pensioner_id == amina.id and row.step == "contact"
        assert enrolment_service.code_channel(get_session(), row) == "email"
        assert enrol_selfie.open_photo(row).startswith(b"\xff\xd8")


def test_a_moroccan_passport_not_in_the_registry_is_a_dead_end(app, client, demo):
    # (issued by the demo state, whose CSCA the test app trusts)
    moroccan = {"nationality": "MAR", "issuing": "UTO", "surname": "INCONNU"}
    row_id = _enrol(app, client, "chip", lines=td3_lines(**moroccan))
    client.post("/enrol/passport/chip/start")
    _play(app, row_id, chip(**moroccan))
    client.get("/enrol/passport/chip/status")
    page = client.get("/enrol/passport/check").data.decode()
    assert 'name="dp_number"' not in page
    refused = client.post("/enrol/passport/check", data={"action": "confirm"})
    assert refused.status_code == 422
    assert 'data-code="no_match"' in refused.data.decode()
    assert _row(app, row_id).pensioner_id is None


def test_an_enrolled_pension_file_points_to_login(app, client, demo):
    row_id = _enrol(app, client, "chip")
    client.post("/enrol/passport/chip/start")
    _play(app, row_id, chip())
    client.get("/enrol/passport/chip/status")
    with app.app_context():
        from webapp.db import get_session

        session = get_session()
        amina = session.exec(select(Pensioner).where(Pensioner.dp_number == "DP100010")).one()
        amina.account_status = "active"
        session.add(amina)
        session.commit()
    page = client.post("/enrol/passport/check", data={"action": "confirm", "dp_number": "DP100010"})
    assert page.status_code == 409
    body = page.data.decode()
    assert 'data-code="already_enrolled"' in body and 'href="/auth/login"' in body


def test_not_my_data_goes_back_to_the_scan(app, client, demo):
    row_id = _enrol(app, client, "check", chip={"nationality": "UTO"})
    response = client.post("/enrol/passport/check", data={"action": "rescan"})
    assert response.headers["Location"] == "/enrol/passport/scan"
    assert _row(app, row_id).step == "scan"


def test_pages_of_another_step_lead_to_the_current_one(app, client, demo):
    _enrol(app, client, "scan", lines=[])
    assert client.get("/enrol/passport/check").headers["Location"] == "/enrol/passport/scan"
    assert client.get("/enrol/selfie").headers["Location"] == "/enrol/passport/scan"
