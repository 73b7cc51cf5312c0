"""Web push subscriptions: one row per browser (device) a pensioner allowed to notify."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .types import AwareDateTime, utcnow


class PushSubscription(SQLModel, table=True):
    """A browser's push endpoint and the keys that encrypt messages for it (RFC 8291)."""

    __tablename__ = "push_subscription"

    id: int | None = Field(default=None, primary_key=True)
    pensioner_id: int = Field(foreign_key="pensioner.id", index=True)
    # The push service URL is the subscription's identity: a browser that
    # subscribes again gets the same endpoint, so it is unique.
    endpoint: str = Field(max_length=1000, unique=True)
    p256dh: str = Field(max_length=100)  # base64url, uncompressed P-256 point
    auth: str = Field(max_length=40)  # base64url, 16-byte auth secret
    language: str = Field(default="fr", max_length=2)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    last_sent_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
