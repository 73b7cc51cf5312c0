"""Failure counters for logins and password re-entry (per identifier and IP, per identifier)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .types import AwareDateTime, utcnow


class LoginThrottle(SQLModel, table=True):
    """One counter: ``key`` is an HMAC of (kind, identifier[, client network]).

    Keyed by what was typed, not by account, so an unknown identifier is
    throttled exactly like a known one; the key is a MAC so the table does not
    keep typed identifiers in clear. Counted with a conditional
    ``UPDATE … RETURNING`` (see ``services.throttle``).
    """

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=64)
    # A MAC of (kind, identifier) alone: every counter of one identifier, to forget them.
    subject: str = Field(max_length=64, index=True)
    failures: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_type=AwareDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
