"""Enrolment attempts and one-time codes.

One ``enrolment`` row per attempt (passport or agency procedure): the step it
reached, the consent versions accepted, the pensioner once matched. The
database allows at most one *active* enrolment per pensioner (a partial unique
index). One-time codes are stored as keyed hashes, bound to what they unlock,
and verified by one conditional UPDATE (see ``webapp.services.otp``).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from .types import AwareDateTime, utcnow


class EnrolmentStatus(enum.StrEnum):
    """Where an enrolment attempt stands."""

    ACTIVE = "active"
    DONE = "done"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Enrolment(SQLModel, table=True):
    """One attempt at « S'inscrire », resumable from its token for a limited time."""

    __table_args__ = (
        # One active enrolment per pension file, enforced by the database.
        Index(
            "uq_enrolment_active_pensioner",
            "pensioner_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, unique=True, index=True)
    procedure: str = Field(max_length=10)  # passport / agency
    step: str = Field(max_length=20)
    status: str = Field(default=EnrolmentStatus.ACTIVE.value, max_length=10, index=True)
    pensioner_id: int | None = Field(default=None, foreign_key="pensioner.id")
    terms_version: str | None = Field(default=None, max_length=20)
    privacy_version: str | None = Field(default=None, max_length=20)
    consented_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    consent_ip: str | None = Field(default=None, max_length=45)
    # MRZ fields, chip summary, typed identity, contact, consent details...
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # Encrypted face template (agency procedure), not yet trusted.
    pending_reference: bytes | None = Field(default=None, sa_type=LargeBinary)
    # Encrypted DG2 photo (passport procedure); emptied when the enrolment ends.
    reference_photo: bytes | None = Field(default=None, sa_type=LargeBinary)
    # The agency procedure's appointment (table owned by the booking service).
    appointment_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    expires_at: datetime = Field(sa_type=AwareDateTime, index=True)


class OneTimeCode(SQLModel, table=True):
    """A 6-digit code sent by SMS or e-mail: hashed, single use, short-lived, few tries."""

    __tablename__ = "one_time_code"

    id: int | None = Field(default=None, primary_key=True)
    purpose: str = Field(max_length=20, index=True)
    # "<salt>$<hmac-sha256 hex>": keyed by SECRET_KEY, salted per code.
    code_hash: str = Field(max_length=100)
    enrolment_id: int | None = Field(default=None, foreign_key="enrolment.id", index=True)
    pensioner_id: int | None = Field(default=None, foreign_key="pensioner.id", index=True)
    appointment_id: int | None = Field(default=None, index=True)
    destination: str = Field(max_length=254)
    channel: str = Field(max_length=10)
    ip: str | None = Field(default=None, max_length=45)
    expires_at: datetime = Field(sa_type=AwareDateTime)
    tries: int = Field(default=0)
    max_tries: int = Field(default=5)
    used_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class OtpCounter(SQLModel, table=True):
    """How many codes went to one destination / pension file / IP in one window.

    Incremented by ``INSERT .. ON CONFLICT DO UPDATE .. WHERE count < limit``:
    the limit holds under concurrency without a check-then-insert.
    """

    __tablename__ = "otp_counter"
    __table_args__ = (UniqueConstraint("key", "period", name="uq_otp_counter_period"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300)
    period: str = Field(max_length=10)  # UTC day, YYYY-MM-DD
    count: int = Field(default=0)
