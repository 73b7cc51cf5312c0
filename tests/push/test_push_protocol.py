"""Web push end to end over the real protocol: subscribe, VAPID, aes128gcm, gone, retry."""

from __future__ import annotations

import pytest
from sqlmodel import select

from webapp.models import Pensioner, PushSubscription
from webapp.services import push


def _pensioner_id(db, dp="DP100001") -> int:
    return db.exec(select(Pensioner.id).where(Pensioner.dp_number == dp)).one()


def _subscribe(client, auth, device):
    auth.login()
    return client.post("/push/subscribe", json=device.subscription())


def test_phone_that_allowed_notifications_gets_a_reminder(
    push_app, client, auth, demo, db, push_service
):
    phone = push_service.device()
    assert _subscribe(client, auth, phone).status_code == 201

    message = push.Message(
        title="Attention !", body="Attestez de votre vie", topic="proof-2026Q4", ttl=3600
    )
    with push_app.app_context():
        from webapp.db import get_session

        sent = push.send_to_pensioner(get_session(), _pensioner_id(db), message)

    assert sent == 1
    [got] = push_service.received
    # Decrypted with the phone's private key: the body is what the worker shows.
    assert got.payload["title"] == "Attention !"
    assert got.payload["url"] == "/space/proof/"
    assert got.headers["ttl"] == "3600"
    assert got.headers["topic"] == "proof-2026Q4"
    assert got.headers["urgency"] == "normal"
    assert got.claims["aud"] == push_service.origin
    assert got.claims["sub"].startswith("mailto:")
    assert push_service.rejected == []


def test_two_phones_of_one_pensioner_both_get_it(push_app, client, auth, demo, db, push_service):
    phones = [push_service.device(), push_service.device()]
    auth.login()
    for phone in phones:
        assert client.post("/push/subscribe", json=phone.subscription()).status_code == 201
    with push_app.app_context():
        from webapp.db import get_session

        sent = push.send_to_pensioner(
            get_session(), _pensioner_id(db), push.Message(title="T", body="B")
        )
    assert sent == 2
    assert {r.device for r in push_service.received} == {
        p.endpoint.rsplit("/", 1)[1] for p in phones
    }


def test_uninstalled_app_subscription_is_deleted(push_app, client, auth, demo, db, push_service):
    phone = push_service.device()
    _subscribe(client, auth, phone)
    push_service.script(phone, 410)
    with push_app.app_context():
        from webapp.db import get_session

        sent = push.send_to_pensioner(
            get_session(), _pensioner_id(db), push.Message(title="T", body="B")
        )
    assert sent == 0
    assert db.exec(select(PushSubscription)).all() == []


@pytest.mark.parametrize("answer", [(503, {}), (429, {"Retry-After": "120"})])
def test_busy_push_service_is_retried_later(push_app, client, auth, demo, db, push_service, answer):
    phone = push_service.device()
    _subscribe(client, auth, phone)
    push_service.script(phone, answer)
    with push_app.app_context():
        from webapp.db import get_session

        with pytest.raises(push.PushRetry) as caught:
            push.send_to_pensioner(
                get_session(), _pensioner_id(db), push.Message(title="T", body="B")
            )
        assert caught.value.status == answer[0]
        if answer[1]:
            assert caught.value.retry_after == 120
        # The subscription is kept, and the retry goes through.
        assert (
            push.send_to_pensioner(
                get_session(), _pensioner_id(db), push.Message(title="T", body="B")
            )
            == 1
        )


def test_push_service_refuses_a_jwt_signed_by_another_key(push_service, vapid_pair):
    """The local service really verifies VAPID: a forged announcement is refused."""
    import requests
    from py_vapid import Vapid02

    phone = push_service.device()
    signer = Vapid02.from_string(push.generate_keys()[0])
    token = signer.sign({"aud": push_service.origin, "sub": "mailto:a@b.c"})["Authorization"]
    jwt = token.split("t=", 1)[1].split(",", 1)[0]
    forged = f"vapid t={jwt}, k={vapid_pair[1]}"
    answer = requests.post(
        phone.endpoint,
        data=b"x" * 40,
        headers={"Authorization": forged, "TTL": "60", "Content-Encoding": "aes128gcm"},
        timeout=5,
    )
    assert answer.status_code == 403
    assert push_service.rejected[0][1] == "VAPID JWT signature does not verify"


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"endpoint": "https://push.example/x"},
        {"endpoint": "ftp://push.example/x", "keys": {"p256dh": "AA", "auth": "AA"}},
        {"endpoint": "javascript:alert(1)", "keys": {"p256dh": "AA", "auth": "AA"}},
        {"endpoint": "https://push.example/" + "a" * 2000, "keys": {}},
        {"endpoint": "https://push.example/x", "keys": {"p256dh": "not-a-point", "auth": "AA"}},
        # A 65-byte value that is not a point on P-256.
        {
            "endpoint": "https://push.example/x",
            "keys": {"p256dh": "BA" + "A" * 85, "auth": "A" * 22},
        },
    ],
)
def test_malformed_subscription_is_refused(push_app, client, auth, demo, db, body):
    auth.login()
    response = client.post("/push/subscribe", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert db.exec(select(PushSubscription)).all() == []


def test_phone_can_stop_notifications(push_app, client, auth, demo, db, push_service):
    phone = push_service.device()
    _subscribe(client, auth, phone)
    response = client.post("/push/unsubscribe", json={"endpoint": phone.endpoint})
    assert response.get_json() == {"ok": True, "removed": True}
    assert db.exec(select(PushSubscription)).all() == []


def test_subscribing_needs_a_logged_in_pensioner(push_app, client, push_service):
    response = client.post("/push/subscribe", json=push_service.device().subscription())
    assert response.status_code in (302, 401)


def test_init_keys_writes_the_pair_once(app, tmp_path):
    app.instance_path = str(tmp_path)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["push", "init-keys"])
    assert first.exit_code == 0, first.output
    text = (tmp_path / "config.py").read_text()
    assert "VAPID_PRIVATE_KEY" in text and "VAPID_PUBLIC_KEY" in text
    again = runner.invoke(args=["push", "init-keys"])
    assert again.exit_code == 1
    assert (tmp_path / "config.py").read_text() == text
