"""Pensioners, agencies and staff accounts."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlmodel import Field, SQLModel

from .types import AwareDateTime, utcnow


class AccountStatus(enum.StrEnum):
    """Where the pensioner stands with the digital space."""

    NOT_ENROLLED = "not_enrolled"
    INACTIVE = "inactive"
    ACTIVE = "active"


class PaymentStatus(enum.StrEnum):
    """Whether the pension is being paid."""

    ACTIVE = "active"
    SUSPENDED = "suspended"


class StaffRole(enum.StrEnum):
    """What a staff account may do."""

    ADVISER = "adviser"
    ADMIN = "admin"


class Pensioner(SQLModel, table=True):
    """An "allocataire" of the fund, identified by the pension file number (DP)."""

    id: int | None = Field(default=None, primary_key=True)
    dp_number: str = Field(max_length=20, unique=True, index=True)
    last_name: str = Field(max_length=100)
    first_name: str = Field(max_length=100)
    birth_date: date
    nationality: str = Field(max_length=3)  # ISO 3166-1 alpha-3
    passport_number: str | None = Field(default=None, max_length=20, index=True)
    id_number: str | None = Field(default=None, max_length=20, index=True)
    language: str = Field(default="fr", max_length=2)
    email: str | None = Field(default=None, max_length=254)
    # A new e-mail waits here until a code or link sent to it is confirmed; until
    # then every message still goes to ``email``.
    pending_email: str | None = Field(default=None, max_length=254)
    pending_email_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    gsm: str | None = Field(default=None, max_length=20)
    address: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    # Postal country, ISO alpha-3; it is also the country of residence.
    country: str = Field(default="MAR", max_length=3)
    marital_status: str | None = Field(default=None, max_length=20)
    children: int | None = Field(default=None, ge=0, le=30)
    account_status: str = Field(default=AccountStatus.NOT_ENROLLED.value, max_length=16)
    payment_status: str = Field(default=PaymentStatus.ACTIVE.value, max_length=16)
    password_hash: str | None = Field(default=None, max_length=255)
    must_change_password: bool = Field(default=False)
    # Bumped on password change or forced logout: invalidates every old session.
    auth_epoch: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)

    @property
    def full_name(self) -> str:
        """First name then last name, as printed on documents."""
        return f"{self.first_name} {self.last_name}"

    @property
    def lives_abroad(self) -> bool:
        """True when the residence country is not Morocco."""
        return self.country != "MAR"


class Agency(SQLModel, table=True):
    """A branch of the fund where pensioners can be received."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=10, unique=True, index=True)
    name: str = Field(max_length=100)
    city: str = Field(max_length=100)
    address: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=20)
    active: bool = Field(default=True)
    # Where it is (a geo: link on the public agencies page), and how it books visits.
    latitude: float | None = None
    longitude: float | None = None
    slot_minutes: int = Field(default=30, sa_column_kwargs={"server_default": "30"})
    slot_capacity: int = Field(default=2, sa_column_kwargs={"server_default": "2"})
    min_lead_hours: int = Field(default=24, sa_column_kwargs={"server_default": "24"})


class StaffUser(SQLModel, table=True):
    """An adviser or administrator of the fund."""

    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=100)
    role: str = Field(default=StaffRole.ADVISER.value, max_length=10)
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    password_hash: str = Field(max_length=255)
    # Set for an account created by an admin until its owner chooses a password.
    must_change_password: bool = Field(default=False)
    active: bool = Field(default=True)
    auth_epoch: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)

    @property
    def is_admin(self) -> bool:
        """Admins manage agencies and staff accounts."""
        return self.role == StaffRole.ADMIN.value
