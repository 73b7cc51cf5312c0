"""One enrolment selfie: the uploaded burst and its decision (shared by both procedures).

The frames are kept encrypted only until the job decides, then emptied: an
enrolment selfie has no dispute window (a failure simply means « réessayer »).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, LargeBinary
from sqlmodel import Field, SQLModel

from .types import AwareDateTime, utcnow


class SelfieMode(enum.StrEnum):
    """What the selfie is compared with."""

    AGAINST_PHOTO = "against_photo"  # passport: the chip's DG2 photo
    PENDING = "pending"  # agency, at home: kept as a pending reference
    AGAINST_PENDING = "against_pending"  # agency visit: the pending reference


class EnrolSelfie(SQLModel, table=True):
    """One burst for an enrolment, exactly one per liveness challenge."""

    __tablename__ = "enrol_selfie"

    id: int | None = Field(default=None, primary_key=True)
    enrolment_id: int = Field(foreign_key="enrolment.id", index=True)
    pensioner_id: int = Field(foreign_key="pensioner.id", index=True)
    challenge_id: int = Field(foreign_key="liveness_challenge.id", unique=True)
    mode: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    # pending / match / no_match / review / refused / liveness_failed (as ProofAttempt)
    decision: str = Field(default="pending", max_length=16)
    decided_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    distance: float | None = None
    reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    liveness: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    job_id: str | None = Field(default=None, max_length=36)
    frame_count: int = Field(default=0)
    # Encrypted frames (AES-GCM, bound to the nonce), emptied once decided.
    frames: bytes | None = Field(default=None, sa_type=LargeBinary)
