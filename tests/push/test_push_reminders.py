"""Reminders through web push, and the fall-back to SMS or e-mail when no device answers."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from webapp.models import Notification, OutboxMessage, Pensioner


def _sweep(push_app, day: date) -> None:
    from webapp.db import get_session
    from webapp.services import campaigns, reminders

    with push_app.app_context():
        session = get_session()
        reminders.sweep(session, campaigns.campaign_for(session, day), day)


def test_a_subscribed_phone_gets_the_reminder_by_push_not_sms(
    push_app, client, auth, demo, db, push_service
):
    phone = push_service.device()
    auth.login()  # DP100001, in Casablanca
    assert client.post("/push/subscribe", json=phone.subscription()).status_code == 201
    push_app.config["QUIET_HOURS"] = "00:00-00:00"  # no quiet hours for this test

    _sweep(push_app, date(2026, 4, 17))  # D-3

    [got] = push_service.received
    assert got.payload["title"] == "Plus que 3 jours pour attester de votre vie"
    assert got.payload["body"].startswith("Cher (e) Allocataire")
    assert got.headers["urgency"] == "high"
    assert got.headers["topic"] == "campaign2026-Q2"
    pid = db.exec(select(Pensioner.id).where(Pensioner.dp_number == "DP100001")).one()
    channels = {
        n.channel for n in db.exec(select(Notification).where(Notification.pensioner_id == pid))
    }
    assert channels == {"alert", "push"}
    outbox = db.exec(select(OutboxMessage.destination)).all()
    assert "+212661000001" not in outbox and all(d for d in outbox)


def test_an_uninstalled_app_falls_back_to_sms_once(push_app, client, auth, demo, db, push_service):
    phone = push_service.device()
    auth.login()
    client.post("/push/subscribe", json=phone.subscription())
    push_service.script(phone, 410)
    push_app.config["QUIET_HOURS"] = "00:00-00:00"

    _sweep(push_app, date(2026, 4, 17))
    _sweep(push_app, date(2026, 4, 17))  # a rerun sends nothing more

    pensioner = db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
    rows = db.exec(
        select(Notification).where(
            Notification.pensioner_id == pensioner.id, Notification.kind == "pol_d3"
        )
    ).all()
    assert sorted(r.channel for r in rows) == ["alert", "push", "sms"]
    texts = db.exec(
        select(OutboxMessage.body).where(OutboxMessage.destination == pensioner.gsm)
    ).all()
    assert len(texts) == 1 and texts[0].startswith("Cher (e) Allocataire")
