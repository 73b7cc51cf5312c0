"""Proof of life: reference templates, quarterly campaigns, challenges, attempts, statuses.

Biometric data is never stored in clear: the reference is an AES-GCM encrypted
128-float template, and an attempt's frames are kept encrypted only until the
dispute window ends (then a purge job empties the column).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from .types import AwareDateTime, utcnow


class ReferenceSource(enum.StrEnum):
    """Where a reference template came from."""

    PASSPORT = "passport"
    AGENCY = "agency"
    DEMO = "demo"


class Decision(enum.StrEnum):
    """The outcome of one proof-of-life attempt."""

    PENDING = "pending"
    MATCH = "match"
    NO_MATCH = "no_match"
    REVIEW = "review"
    REFUSED = "refused"
    LIVENESS_FAILED = "liveness_failed"


class FaceReference(SQLModel, table=True):
    """The pensioner's reference face, as an encrypted template (never a photo)."""

    __tablename__ = "face_reference"

    id: int | None = Field(default=None, primary_key=True)
    pensioner_id: int = Field(foreign_key="pensioner.id", unique=True, index=True)
    # encrypt_template(..., associated_data=b"pensioner:<id>"): a copy onto
    # another pensioner's row fails to decrypt.
    template: bytes = Field(sa_type=LargeBinary)
    source: str = Field(max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class Campaign(SQLModel, table=True):
    """One quarterly proof-of-life campaign (``2026-Q2``); dates are local (Casablanca)."""

    id: int | None = Field(default=None, primary_key=True)
    quarter: str = Field(max_length=7, unique=True, index=True)
    opens_on: date
    deadline: date  # last day to attest on time (inclusive)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class LivenessChallenge(SQLModel, table=True):
    """The actions asked for one capture, bound to the upload by a single-use nonce."""

    __tablename__ = "liveness_challenge"

    id: int | None = Field(default=None, primary_key=True)
    pensioner_id: int = Field(foreign_key="pensioner.id", index=True)
    nonce: str = Field(max_length=64, unique=True, index=True)
    actions: list[str] = Field(default_factory=list, sa_type=JSON)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    expires_at: datetime = Field(sa_type=AwareDateTime)
    used_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class ProofAttempt(SQLModel, table=True):
    """One uploaded burst and its decision: exactly one row per challenge nonce."""

    __tablename__ = "proof_attempt"

    id: int | None = Field(default=None, primary_key=True)
    pensioner_id: int = Field(foreign_key="pensioner.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    challenge_id: int = Field(foreign_key="liveness_challenge.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    decision: str = Field(default=Decision.PENDING.value, max_length=16, index=True)
    decided_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    distance: float | None = None
    liveness: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    job_id: str | None = Field(default=None, max_length=36)
    frame_count: int = Field(default=0)
    # Encrypted frames (AES-GCM), kept for the dispute window then purged.
    frames: bytes | None = Field(default=None, sa_type=LargeBinary)
    frames_purge_after: datetime | None = Field(default=None, sa_type=AwareDateTime)
    frames_purged_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    reviewer_id: int | None = Field(default=None, foreign_key="staff_user.id")
    review_decision: str | None = Field(default=None, max_length=10)  # approved / rejected
    review_reason: str | None = Field(default=None, max_length=500)
    reviewed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class ProofStatus(SQLModel, table=True):
    """Where a pensioner stands for one campaign: attested, and/or suspended after it."""

    __tablename__ = "proof_status"
    __table_args__ = (
        UniqueConstraint("pensioner_id", "campaign_id", name="uq_proof_status_campaign"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pensioner_id: int = Field(foreign_key="pensioner.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    attested_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    attempt_id: int | None = Field(default=None, foreign_key="proof_attempt.id")
    method: str | None = Field(default=None, max_length=10)  # selfie / review / agency
    suspended_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    reminders: list[str] = Field(default_factory=list, sa_type=JSON)
