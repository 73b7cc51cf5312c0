"""Sending SMS and e-mail: outbox, real SMTP on loopback, an HTTP SMS provider, RQ retries."""

from __future__ import annotations

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from sqlmodel import Session, select

from tests.enrol.servers import SmsProvider, SmtpRecorder
from webapp.models import Notification, OutboxMessage
from webapp.services import notify


def _send_code(db, pensioner, channel="sms", scope="enrolment:1:code:1", **kw):
    return notify.notify(
        db,
        "enrol_code",
        pensioner=pensioner,
        channel=channel,
        scope=scope,
        code="482913",
        minutes=10,
        **kw,
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [("fr", "votre code est 482913"), ("ar", "482913"), ("en", "your code is 482913")],
)
def test_code_sms_is_written_in_the_pensioners_language(ctx, db, pensioner, language, words):
    pensioner.language = language
    db.commit()
    row = _send_code(db, pensioner)
    assert row is not None
    message = db.exec(select(OutboxMessage)).one()
    assert message.destination == "+212612345678" and message.channel == "sms"
    assert words in message.body
    if language == "ar":
        assert "رمز" in message.body
    db.expire_all()
    sent = db.get(Notification, row.id)
    assert sent.status == "sent" and sent.attempts == 1
    assert sent.body is None  # the code does not stay on the notification row


def test_asking_twice_for_the_same_message_sends_it_once(ctx, db, pensioner):
    assert _send_code(db, pensioner) is not None
    assert _send_code(db, pensioner) is None
    assert len(db.exec(select(OutboxMessage)).all()) == 1
    # Another scope (a new code) is another message.
    assert _send_code(db, pensioner, scope="enrolment:1:code:2") is not None
    assert len(db.exec(select(OutboxMessage)).all()) == 2


def test_email_with_calendar_file_reaches_a_real_smtp_server(ctx, db, other_pensioner):
    with SmtpRecorder() as smtp:
        ctx.config.update(EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port)
        ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
        row = _send_code(
            db, other_pensioner, channel="email", attachments=[("rdv.ics", "text/calendar", ics)]
        )
    assert row is not None
    [(recipients, mail)] = smtp.messages
    assert recipients == ["paul@example.fr"]
    assert "enrolment code" in mail["Subject"]  # English, the pensioner's language
    assert "482913" in mail.get_body(("plain",)).get_content()
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "rdv.ics" and attachment.get_content() == ics.decode()
    db.expire_all()
    assert db.get(Notification, row.id).status == "sent"
    assert db.exec(select(OutboxMessage)).all() == []


def test_sms_provider_down_delays_the_message_then_sends_it_once(make_rq_app, pensioner):
    """503 then 200, through a real RQ worker's retries: delivered once, nothing lost."""
    with SmsProvider(statuses=[503]) as provider:
        app = make_rq_app(
            "notify",
            SMS_BACKEND="http",
            SMS_HTTP_URL=provider.url,
            SMS_HTTP_TOKEN="secret-token",
            SMS_HTTP_EXTRA='{"sender": "CAISSE"}',
            NOTIFY_RETRY_INTERVALS="0,0,0",
        )
        engine = app.extensions["db_engine"]
        with app.test_request_context(), Session(engine) as db:
            row = _send_code(db, db.get(type(pensioner), pensioner.id))
            assert row is not None and provider.requests == []  # queued, not sent inline
            conn = Redis.from_url(app.config["REDIS_URL"])
            queue = Queue(app.config["RQ_QUEUE"], connection=conn)
            SimpleWorker([queue], connection=conn).work(burst=True)
            db.expire_all()
            sent = db.get(Notification, row.id)
            assert sent.status == "sent" and sent.attempts == 2
            assert len(provider.requests) == 2
            first, second = provider.requests
            assert first["json"] == second["json"]
            assert second["json"]["to"] == "+212612345678"
            assert second["json"]["sender"] == "CAISSE"
            assert "482913" in second["json"]["text"]
            assert second["headers"]["Authorization"] == "Bearer secret-token"
            assert second["headers"]["Idempotency-Key"] == f"notification-{row.id}"
            # A re-delivered job (or a second worker) sends nothing more.
            from jobs.notify import send

            assert send(row.id)["outcome"] == "skipped"
            assert len(provider.requests) == 2


def test_message_refused_by_every_retry_waits_for_the_next_sweep(ctx, db, pensioner):
    """Inline (no Redis): the provider is down, the message waits; the sweep sends it."""
    with SmsProvider(statuses=[503]) as provider:
        ctx.config.update(SMS_BACKEND="http", SMS_HTTP_URL=provider.url)
        row = _send_code(db, pensioner)
        db.expire_all()
        waiting = db.get(Notification, row.id)
        assert waiting.status == "failed" and "503" in waiting.last_error
        assert waiting.body  # kept until it is sent
        assert notify.retry_pending(db) == 1
        db.expire_all()
        assert db.get(Notification, row.id).status == "sent"
        assert len(provider.requests) == 2
        assert notify.retry_pending(db) == 0


def test_outbox_page_shows_the_code_in_demo_mode_only(app, db, pensioner):
    with app.test_request_context():
        _send_code(db, pensioner)
    client = app.test_client()
    assert client.get("/dev/outbox").status_code == 404
    app.config["DEMO"] = True
    page = client.get("/dev/outbox").get_data(as_text=True)
    assert "482913" in page and "+212612345678" in page
    assert client.get("/dev/outbox?to=%2B33000").get_data(as_text=True).count("482913") == 0
