"""The demo passport is read through the web relay (/nfc) by a scripted helper."""

import json

import pytest

from nfc_bridge.sim import demo_passport


def _exchange(client, token, seq, responses, **extra):
    body = {"seq": seq, "responses": [r.hex() for r in responses], **extra}
    return client.post(
        f"/nfc/sessions/{token}/exchange", data=json.dumps(body), content_type="application/json"
    )


@pytest.fixture
def session(client):
    response = client.post("/nfc/demo/sessions")
    assert response.status_code == 201
    data = response.get_json()
    assert data["session_url"].endswith(data["token"])
    return data["token"]


def test_scripted_helper_reads_the_demo_passport_through_the_relay(app, client, session):
    chip, _mrz, _trust = demo_passport()
    seq, responses, trips = 0, [], 0
    reply = _exchange(client, session, 0, [], max_apdu=65546).get_json()
    while not reply["done"]:
        trips += 1
        responses = [chip.transmit(bytes.fromhex(c)) for c in reply["commands"]]
        seq = reply["seq"]
        reply = _exchange(client, session, seq, responses).get_json()
        assert 0 <= reply["progress"] <= 1
        assert trips < 30
    assert reply["error"] is None and reply["progress"] == 1
    assert trips <= 8  # pipelined: a handful of round trips, not one per APDU
    with app.app_context():
        from webapp.services.nfc_relay import relay_service

        result = relay_service().result(session)
        assert result.trusted and result.genuine_chip  # AA passed on the server's challenge
    # The finished session answers the helper's late retries, but takes no new batch.
    again = _exchange(client, session, seq + 1, [])
    assert again.status_code in (409, 410)


def test_garbage_from_the_helper_ends_the_session_with_a_clear_reason(client, session):
    response = client.post(
        f"/nfc/sessions/{session}/exchange", data=b"\xff not json", content_type="application/json"
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "relay_bad_payload" and error["message_fr"]
    after = _exchange(client, session, 0, [])
    assert after.status_code == 409


def test_replayed_sequence_is_refused(client, session):
    chip, _mrz, _trust = demo_passport()
    first = _exchange(client, session, 0, []).get_json()
    answers = [chip.transmit(bytes.fromhex(c)) for c in first["commands"]]
    second = _exchange(client, session, first["seq"], answers)
    assert second.status_code == 200
    # Same seq, same body: the same reply (a lost reply on a mobile network).
    assert _exchange(client, session, first["seq"], answers).get_json() == second.get_json()
    replay = _exchange(client, session, 0, [])
    assert replay.status_code == 409
    assert replay.get_json()["error"]["code"] == "replay_detected"


def test_unknown_session_and_cancel(client, session):
    assert _exchange(client, "nope.nope", 0, []).status_code == 404
    cancelled = client.post(
        f"/nfc/sessions/{session}/cancel", data="{}", content_type="application/json"
    ).get_json()
    assert cancelled["done"] is True
    assert _exchange(client, session, 0, []).status_code == 409


def test_session_url_in_a_browser_explains_the_helper(client, session):
    page = client.get(f"/nfc/sessions/{session}").data.decode()
    assert "DialVie Passeport" in page


def test_demo_helper_script_reads_over_real_http(app):
    """The scripted helper talks HTTP to a live server, like the phone would."""
    import io
    import threading

    from werkzeug.serving import make_server

    from scripts.nfc_demo_helper import run

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        log = io.StringIO()
        outcome = run(f"http://127.0.0.1:{server.server_port}", out=log)
    finally:
        server.shutdown()
    assert outcome["status"] == 200 and outcome["reply"]["error"] is None
    assert outcome["round_trips"] <= 8
    assert "read in" in log.getvalue()
    with app.app_context():
        from webapp.services.nfc_relay import relay_service

        assert relay_service().result(outcome["token"]).trusted


def _read_with_a_wrong_mrz(client, token, **headers):
    """The demo chip refuses the session's key: the read ends with check-your-passport."""
    from nfc_bridge.bac import MRZInfo

    chip, _mrz, _trust = demo_passport()
    chip.mrz = MRZInfo.parse("L898902C<369080619406236")  # another passport's key
    reply = _exchange(client, token, 0, []).get_json()
    while not reply["done"]:
        answers = [chip.transmit(bytes.fromhex(c)) for c in reply["commands"]]
        body = {"seq": reply["seq"], "responses": [r.hex() for r in answers]}
        reply = client.post(
            f"/nfc/sessions/{token}/exchange",
            data=json.dumps(body),
            content_type="application/json",
            headers=headers,
        ).get_json()
    return reply["error"]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "Vérifiez les informations de votre passeport"),
        ("ar", "تحقق"),
        ("en", "Check"),
    ],
)
def test_a_failed_read_tells_the_helper_what_to_do_in_the_pensioners_language(
    client, session, language, text
):
    error = _read_with_a_wrong_mrz(client, session, **{"Accept-Language": language})
    assert error["code"] in ("bac_failed", "pace_failed")
    assert text in error["message"]
    assert error["message_fr"] == "Vérifiez les informations de votre passeport"
