"""Sending SMS, e-mail (and, later, push) exactly once, in the recipient's language.

API::

    notify(db, kind, *, pensioner=None, destination=None, channel, scope,
           language=None, **params) -> Notification | None
    register_backend(channel, backend)      # e.g. reminders adds "push"
    deliver(db, notification_id) -> str     # what the job runs: "sent" / "skipped"
    retry_pending(db, now=None) -> int      # re-enqueue messages a provider delayed

``notify`` renders ``templates/notify/<kind>.txt`` (first line: the subject;
the rest: the text) and the optional ``<kind>.html`` for e-mail, under the
recipient's language; inserts the unique ``Notification`` row — a second call
for the same (kind, recipient, scope, channel) returns None and sends nothing —
and enqueues ``jobs.notify.send``. The job hands the message to the channel's
backend; a provider that fails is retried by RQ, then by ``retry_pending``
(``flask notify retry``): a message is delayed, never lost. Once sent, the
rendered text is erased from the row (it may hold a code).

Backends by configuration: ``SMS_BACKEND`` = outbox | http, ``EMAIL_BACKEND`` =
outbox | smtp; other channels use a registered backend, else the outbox.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..documents import render_document
from ..errors import DomainError
from ..models import Notification, NotificationStatus, Pensioner, utcnow
from .notify_copy import copy_once
from .notify_message import Backend as Backend, Message as Message

CHANNELS = ("sms", "email", "push", "alert")
# A worker's claim on a message; after this a crashed worker's claim is taken over.
CLAIM_SECONDS = 300


class NoDestination(DomainError):
    """The recipient has no address for this channel."""


_registry: dict[str, Backend] = {}


def register_backend(channel: str, backend: Backend | None) -> None:
    """Use ``backend`` for ``channel`` (None restores the configured one)."""
    if backend is None:
        _registry.pop(channel, None)
    else:
        _registry[channel] = backend


def backend_for(channel: str) -> Backend:
    """The backend for ``channel``: registered, else chosen by configuration."""
    from . import notify_backends as nb

    if channel in _registry:
        return _registry[channel]
    if channel == "push":
        from .push_channel import PushBackend

        return PushBackend()
    cfg = current_app.config
    if channel == "email" and cfg["EMAIL_BACKEND"] == "smtp":
        return nb.SmtpBackend()
    if channel == "sms" and cfg["SMS_BACKEND"] == "http":
        return nb.HttpSmsBackend()
    return nb.OutboxBackend()


def _destination(pensioner: Pensioner | None, channel: str) -> str | None:
    if pensioner is None:
        return None
    if channel == "email":
        return pensioner.email
    if channel == "sms":
        return pensioner.gsm
    return f"pensioner:{pensioner.id}"


def render(kind: str, language: str, **params: Any) -> tuple[str, str, str | None]:
    """``(subject, text, html or None)`` of ``kind`` in ``language``."""
    with force_locale(language):
        text = render_document(f"notify/{kind}.txt", **params).strip()
        try:
            html: str | None = render_document(f"notify/{kind}.html", **params)
        except TemplateNotFound:
            html = None
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip(), html


def notify(
    db: Session,
    kind: str,
    *,
    pensioner: Pensioner | None = None,
    destination: str | None = None,
    channel: str,
    scope: str,
    language: str | None = None,
    **params: Any,
) -> Notification | None:
    """Queue ``kind`` for the recipient once; None when it was already queued or sent.

    Commits, then enqueues the send job (run inline without Redis).
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    destination = destination or _destination(pensioner, channel)
    if not destination:
        raise NoDestination()
    language = language or (pensioner.language if pensioner else None) or "fr"
    attachments = params.pop("attachments", None) or []
    subject, body, html = render(kind, language, pensioner=pensioner, **params)
    row = Notification(
        kind=kind,
        pensioner_id=pensioner.id if pensioner else None,
        recipient=f"p:{pensioner.id}" if pensioner else f"d:{destination.lower()}",
        scope=scope,
        channel=channel,
        destination=destination,
        language=language,
        subject=subject[:200],
        body=body,
        html=html,
        attachments=[
            {
                "filename": name,
                "mimetype": mimetype,
                "content": base64.b64encode(content).decode(),
            }
            for name, mimetype, content in attachments
        ],
    )
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        return None  # already queued or sent: exactly once
    db.commit()
    _enqueue(row.id)
    return row


def _enqueue(notification_id: int | None) -> None:
    from .tasks import enqueue

    intervals = [
        int(x) for x in str(current_app.config["NOTIFY_RETRY_INTERVALS"]).split(",") if x.strip()
    ]
    enqueue("notify", "jobs.notify:send", notification_id, retry_intervals=intervals)


def _claim(db: Session, notification_id: int, now: datetime) -> bool:
    """Take the message for this worker, unless it is sent or another worker has it."""
    table = Notification.__table__  # type: ignore[attr-defined]
    stale = now - timedelta(seconds=CLAIM_SECONDS)
    stmt = (
        update(table)
        .where(
            table.c.id == notification_id,
            # Quiet hours: a message is not sent before its time, only delayed.
            or_(table.c.not_before.is_(None), table.c.not_before <= now),
            or_(
                table.c.status.in_([NotificationStatus.QUEUED, NotificationStatus.FAILED]),
                (table.c.status == NotificationStatus.SENDING) & (table.c.claimed_at < stale),
            ),
        )
        .values(
            status=NotificationStatus.SENDING.value, claimed_at=now, attempts=table.c.attempts + 1
        )
        .returning(table.c.id)
    )
    claimed = db.execute(stmt).first() is not None
    db.commit()
    return claimed


def deliver(db: Session, notification_id: int, *, final: bool = False) -> str:
    """Send one queued message; ``"skipped"`` when it is sent or being sent elsewhere.

    A backend error is recorded on the row (queued again, or ``failed`` when
    ``final``) and re-raised so the job is retried.
    """
    now = utcnow()
    if not _claim(db, notification_id, now):
        return "skipped"
    row = db.get(Notification, notification_id, populate_existing=True)
    assert row is not None
    message = Message(
        notification_id=notification_id,
        channel=row.channel,
        destination=row.destination,
        subject=row.subject or "",
        body=row.body or "",
        html=row.html,
        attachments=[
            (a["filename"], a["mimetype"], base64.b64decode(a["content"])) for a in row.attachments
        ],
    )
    try:
        backend_for(row.channel).send(db, message)
    except Exception as exc:
        db.rollback()
        row = db.get(Notification, notification_id, populate_existing=True)
        assert row is not None
        row.status = (NotificationStatus.FAILED if final else NotificationStatus.QUEUED).value
        row.last_error = f"{type(exc).__name__}: {exc}"[:500]
        row.claimed_at = None
        db.commit()
        if final:
            _fall_back(db, row)
        raise
    row.status, row.sent_at, row.last_error = NotificationStatus.SENT.value, utcnow(), None
    row.body, row.html, row.attachments = None, None, []
    db.commit()
    return "sent"


def retry_pending(db: Session, now: datetime | None = None) -> int:
    """Re-enqueue messages still waiting: failed, or queued/claimed for over 5 minutes."""
    now = now or utcnow()
    stale = now - timedelta(seconds=CLAIM_SECONDS)
    rows = db.exec(
        select(Notification.id).where(
            or_(
                col(Notification.status) == NotificationStatus.FAILED,
                (col(Notification.status) == NotificationStatus.QUEUED)
                & (col(Notification.created_at) < stale)
                & or_(col(Notification.not_before).is_(None), col(Notification.not_before) <= now),
                (col(Notification.status) == NotificationStatus.SENDING)
                & (col(Notification.claimed_at) < stale),
            )
        )
    ).all()
    for notification_id in rows:
        _enqueue(notification_id)
    return len(rows)


#: When a provider stays down through every retry, a reminder to a pensioner goes by
#: the other channel (SMS ↔ e-mail) rather than not at all.
FALLBACK = {"sms": "email", "email": "sms"}


def _fall_back(db: Session, row: Notification) -> None:
    """Queue a proof-of-life message once on the pensioner's other channel, if they have one."""
    if not row.kind.startswith("pol_") or row.channel not in FALLBACK or row.pensioner_id is None:
        return
    pensioner = db.get(Pensioner, row.pensioner_id)
    channel = FALLBACK[row.channel]
    destination = _destination(pensioner, channel)
    if not destination or row.body is None:
        return
    copy = copy_once(db, row, channel, destination)
    if copy is not None:
        _enqueue(copy.id)
