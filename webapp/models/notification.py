"""Messages sent to people (SMS, e-mail, push, alert) and the development outbox.

A ``notification`` row exists once per (kind, recipient, scope, channel): the
unique key makes sending exactly once, whoever asks twice. The rendered text
waits on the row until it is sent, then is erased (it may hold a code).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .types import AwareDateTime, utcnow


class NotificationStatus(enum.StrEnum):
    """Where a message stands; ``sending`` is a worker's short claim on it."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Notification(SQLModel, table=True):
    """One message to one recipient on one channel, for one reason (``scope``)."""

    __table_args__ = (
        UniqueConstraint("kind", "recipient", "scope", "channel", name="uq_notification_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40, index=True)
    pensioner_id: int | None = Field(default=None, foreign_key="pensioner.id", index=True)
    # "p:<pensioner id>" or "d:<destination>": the unique key's recipient part
    # (a NULL pensioner would never collide in a unique index).
    recipient: str = Field(max_length=260)
    scope: str = Field(max_length=60)  # "enrolment:12", "campaign:2026Q4", "appointment:7"
    channel: str = Field(max_length=10)  # sms / email / push / alert
    destination: str = Field(max_length=254)
    language: str = Field(default="fr", max_length=2)
    status: str = Field(default=NotificationStatus.QUEUED.value, max_length=10, index=True)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=500)
    # The rendered message until it is sent (then erased).
    subject: str | None = Field(default=None, max_length=200)
    body: str | None = Field(default=None, sa_type=Text)
    html: str | None = Field(default=None, sa_type=Text)
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    claimed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    # Not sent before this time (quiet hours in the recipient's time zone).
    not_before: datetime | None = Field(default=None, sa_type=AwareDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class OutboxMessage(SQLModel, table=True):
    """A message "sent" by the outbox backend: read at /dev/outbox in debug or demo mode."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int | None = Field(default=None, foreign_key="notification.id")
    channel: str = Field(max_length=10)
    destination: str = Field(max_length=254)
    subject: str | None = Field(default=None, max_length=200)
    body: str = Field(sa_type=Text)
    # [{"filename", "mimetype", "size", "content" (base64)}]
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
