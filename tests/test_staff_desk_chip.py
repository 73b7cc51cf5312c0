"""The adviser reads the passport chip at the desk: identity check, MRZ data, the desk helper.

Here the desk helper is played in-process over the same /nfc relay endpoints
(``play_helper`` with the simulated demo passport); tests/nfc/test_desk_chip_pcsc.py
runs the real ``python -m nfc_bridge forward`` against pcscd and vpcd.
"""

from __future__ import annotations

import html
import json
import re
import time

import pytest
from sqlmodel import select

from nfc_bridge import forward as desk
from nfc_bridge.relay import play_helper
from nfc_bridge.sim import demo_passport
from webapp.models import AuditEvent, FaceReference, Pensioner

#: The demo passport (nfc_bridge's simulated chip): DEMO Amina, UT4821957.
NUMBER, BIRTH, EXPIRY = "UT4821957", "1950-03-15", "2031-01-01"


@pytest.fixture
def amina(client, demo, auth, db):
    """DP100010's file id, with the adviser logged in."""
    auth.staff_login()
    return db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100010")).one().id


def _start(
    client, pid, *, number=NUMBER, birth=BIRTH, expiry=EXPIRY, identity=NUMBER, kind="passport"
):
    return client.post(
        f"/staff/pensioners/{pid}/chip/start",
        data={
            "document_type": kind,
            "number": identity,
            "chip_number": number,
            "chip_birth": birth,
            "chip_expiry": expiry,
        },
        headers={"HX-Request": "true"},
    )


def _session_url(page: str) -> str:
    found = re.search(r">python -m nfc_bridge forward (\S+)</textarea>", page)
    assert found, page
    return found.group(1)


def _helper(client, session_url: str) -> dict:
    """The desk helper's job, through the test client: the demo passport on the reader."""
    chip, _mrz, _trust = demo_passport()
    url = desk.exchange_url(session_url).split("localhost", 1)[-1]

    def post(body):
        reply = client.post(url, data=json.dumps(body), content_type="application/json")
        return reply.get_json()

    return play_helper(post, chip.transmit)


def _text(response) -> str:
    return html.unescape(response.data.decode())


def _status(client, pid) -> str:
    return _text(client.get(f"/staff/pensioners/{pid}/chip", headers={"HX-Request": "true"}))


def _actions(db, pid) -> list[AuditEvent]:
    db.expire_all()
    return list(
        db.exec(
            select(AuditEvent)
            .where(AuditEvent.target_type == "pensioner", AuditEvent.target_id == pid)
            .order_by(AuditEvent.id)
        ).all()
    )


def test_adviser_reads_the_chip_and_saves_its_photo_as_the_reference(client, amina, db):
    page = client.get(f"/staff/pensioners/{amina}").data.decode()
    assert 'id="desk-chip"' in page and f"/staff/pensioners/{amina}/chip" in page
    form = _status(client, amina)
    assert 'value="UT4821957"' in form and 'value="1950-03-15"' in form, (
        "prefilled from the registry"
    )
    waiting = _start(client, amina)
    assert waiting.status_code == 200
    page = waiting.data.decode()
    assert 'data-state="waiting"' in page and "En attente du lecteur de bureau" in page
    reply = _helper(client, _session_url(page))
    assert reply["done"] and reply["error"] is None
    ready = _status(client, amina)
    assert 'data-state="ready"' in ready and "authentification passive réussie" in ready
    assert "DEMO AMINA" in ready and "Enregistrer comme photo de référence" in ready
    photo = client.get(f"/staff/pensioners/{amina}/chip/photo")
    assert photo.status_code == 200 and photo.data[:2] == b"\xff\xd8"
    assert photo.headers["Cache-Control"] == "no-store"
    done = client.post(f"/staff/pensioners/{amina}/chip/confirm", headers={"HX-Request": "true"})
    assert 'id="desk-chip-done"' in _text(done)
    assert "puce du passeport, lue au guichet" in _text(done), "the file's reference line"
    db.expire_all()
    row = db.exec(select(FaceReference).where(FaceReference.pensioner_id == amina)).one()
    assert row.source == "desk_chip" and b"\xff\xd8" not in row.template[:4]
    events = {e.action: e for e in _actions(db, amina)}
    enrolment = events["desk_chip_enrolment"]
    assert enrolment.actor_type == "staff" and enrolment.actor_id is not None
    assert enrolment.detail["agency_id"] and enrolment.detail["staff_name"] == "Salma Bennani"
    assert "desk_chip_started" in events and "face_reference_set" in events
    # The read is gone with its photo: nothing to show any more.
    assert client.get(f"/staff/pensioners/{amina}/chip/photo").status_code == 404
    assert 'data-state="enrolled"' in _status(client, amina)
    history = _text(client.get(f"/staff/pensioners/{amina}"))
    assert "Photo de référence lue dans la puce au guichet" in history


def test_a_wrong_identity_number_opens_no_read(client, amina, db):
    refused = _start(client, amina, identity="UT0000000")
    assert refused.status_code == 422
    page = _text(refused)
    assert "ne correspond pas" in page and 'data-state="form"' in page
    assert 'id="chip_identity_number"' in page and 'aria-invalid="true"' in page
    assert [e.action for e in _actions(db, amina)][-1] == "desk_chip_refused"
    assert 'data-state="form"' in _status(client, amina), "no session was opened"


def test_a_wrong_mrz_key_says_the_chip_refused_access(client, amina, db):
    page = _start(client, amina, expiry="2031-01-02").data.decode()
    reply = _helper(client, _session_url(page))
    assert reply["error"]["code"] in ("bac_failed", "pace_failed")
    assert reply["error"]["message_fr"], "the desk helper prints the server's French text"
    form = _status(client, amina)
    assert "La puce a refusé l'accès" in form and 'data-state="form"' in form
    assert 'value="2031-01-02"' in form, "the typed data come back to be corrected"
    refused = _actions(db, amina)[-1]
    assert refused.action == "desk_chip_refused" and refused.detail["reason"] == "wrong_key"


def test_a_chip_that_is_not_the_files_holder_is_refused(client, amina, db):
    p = db.get(Pensioner, amina)
    p.first_name = "Fatima"
    db.add(p)
    db.commit()
    page = _start(client, amina).data.decode()
    _helper(client, _session_url(page))
    form = _status(client, amina)
    assert "ne sont pas celles de ce dossier" in form
    refused = _actions(db, amina)[-1]
    assert refused.detail["reason"] == "identity_mismatch"
    assert refused.detail["detail"] == ["given_names"]
    assert db.exec(select(FaceReference).where(FaceReference.pensioner_id == amina)).first() is None


def test_an_expired_passport_is_refused_before_any_read(client, amina):
    page = _start(client, amina, expiry="2020-01-01")
    assert page.status_code == 422
    assert "Ce passeport a expiré" in _text(page)
    assert "caméra du guichet" in _text(page)


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("number", "UT 48/21-957!", "numéro du passeport tel qu'il figure"),
        ("birth", "15/03/1950", "date de naissance figurant"),
        ("expiry", "", "date d'expiration figurant"),
    ],
)
def test_bad_mrz_data_are_named_without_a_500(client, amina, field, value, text):
    response = _start(client, amina, **{field: value})
    assert response.status_code == 422
    assert text in _text(response)


def test_cancel_ends_the_read_and_the_helper_is_told(client, amina, db):
    page = _start(client, amina).data.decode()
    url = desk.exchange_url(_session_url(page)).split("localhost", 1)[-1]
    cancelled = client.post(
        f"/staff/pensioners/{amina}/chip/cancel", headers={"HX-Request": "true"}
    )
    assert "La lecture a été annulée" in _text(cancelled)
    late = client.post(
        url, data=json.dumps({"seq": 0, "responses": []}), content_type="application/json"
    )
    assert late.status_code in (404, 409)
    assert _actions(db, amina)[-1].action == "desk_chip_cancelled"


def test_another_adviser_cannot_confirm_this_read(app, client, amina):
    page = _start(client, amina).data.decode()
    _helper(client, _session_url(page))
    other = app.test_client()
    other.post("/staff/login", data={"email": "admin@demo.dialvie.ma", "password": "Admin2026!"})
    confirm = other.post(f"/staff/pensioners/{amina}/chip/confirm", headers={"HX-Request": "true"})
    assert confirm.status_code == 422 and "Aucune lecture en cours" in _text(confirm)


def test_pensioners_cannot_reach_the_desk_read(client, demo, auth):
    auth.login("DP100001")
    response = client.post("/staff/pensioners/10/chip/start", data={})
    assert response.status_code in (302, 401, 403)


def test_the_full_page_works_without_htmx(client, amina):
    response = client.post(
        f"/staff/pensioners/{amina}/chip/start",
        data={"document_type": "passport", "number": NUMBER, "chip_number": NUMBER,
              "chip_birth": BIRTH, "chip_expiry": EXPIRY},
    )  # fmt: skip
    page = response.data.decode()
    assert "<html" in page and "DEMO Amina" in page and 'data-state="waiting"' in page


def test_an_expired_session_says_so_and_the_late_helper_is_refused(app, client, amina, db):
    page = _start(client, amina).data.decode()
    url = desk.exchange_url(_session_url(page)).split("localhost", 1)[-1]
    relay = app.extensions["nfc_relay"]
    relay.clock = lambda: time.time() + relay.ttl + 1  # the adviser left for eleven minutes
    form = _status(client, amina)
    assert "La session de lecture a expiré" in form and 'data-state="form"' in form
    late = client.post(
        url, data=json.dumps({"seq": 0, "responses": []}), content_type="application/json"
    )
    assert late.status_code in (404, 410), "the desk helper ends with exit 3"
    assert _actions(db, amina)[-1].detail["reason"] == "expired"
