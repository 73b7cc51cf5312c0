"""Web push as a ``notify`` channel: every device of the pensioner, else SMS or e-mail."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlmodel import Session

from ..models import Notification
from . import tasks
from .notify_copy import copy_once
from .notify_message import Message
from .push import TOPIC_CHARS, Message as PushMessage, PushRetry, send_to_pensioner


class PushBackend:
    """``notify``'s channel ``push``: every device of the pensioner; SMS/e-mail when none.

    When no device can be reached (every subscription gone) or the push service
    stayed down for ``PUSH_FALLBACK_AFTER_ATTEMPTS`` tries, the same message is
    queued once on the pensioner's next channel (SMS in Morocco, else e-mail).
    """

    def send(self, db: Session, message: Message) -> None:
        """Deliver ``message`` or fall back to the next channel."""

        row = db.get(Notification, message.notification_id)
        if row is None or row.pensioner_id is None:
            return
        cfg = current_app.config
        push_message = PushMessage(
            title=message.subject,
            body=message.body,
            topic=_topic(row.scope),
            ttl=cfg["PUSH_TTL_SECONDS"],
            urgency="high" if row.kind in ("pol_d3", "pol_deadline") else "normal",
            lang=row.language,
        )
        try:
            sent = send_to_pensioner(db, row.pensioner_id, push_message)
        except PushRetry:
            if row.attempts < cfg["PUSH_FALLBACK_AFTER_ATTEMPTS"]:
                raise
            sent = 0
        if not sent:
            _fall_back(db, row)


def _topic(scope: str) -> str:
    """One topic per campaign: a newer reminder replaces an older one not yet delivered."""
    return "".join(c for c in scope if c in TOPIC_CHARS)[:32] or "dialvie"


def _fall_back(db: Session, row: Any) -> None:
    from ..models import Pensioner

    pensioner = db.get(Pensioner, row.pensioner_id)
    if pensioner is None:
        return
    channel = "sms" if pensioner.country == "MAR" and pensioner.gsm else "email"
    destination = pensioner.gsm if channel == "sms" else pensioner.email
    if not destination:
        channel, destination = ("sms", pensioner.gsm) if pensioner.gsm else ("email", None)
    if not destination:
        return
    copy = copy_once(db, row, channel, destination)
    if copy is None:
        return  # already fell back once
    assert copy.id is not None
    tasks.enqueue("reminders", "jobs.reminders:send_batch", [copy.id])
