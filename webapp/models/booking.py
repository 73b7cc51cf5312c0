"""Agency appointments: opening hours, closed days, slots with a capacity, bookings.

A slot row is created the first time someone books it; its ``taken`` counter
only moves through one conditional UPDATE (``taken < capacity``), and the
CHECK constraint makes an overbooked slot impossible even for a buggy caller.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from .types import AwareDateTime, utcnow


class AppointmentStatus(enum.StrEnum):
    """Where an appointment stands."""

    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


# Statuses that hold a place in the slot (and count as "the" appointment of a pensioner).
HOLDING = (AppointmentStatus.BOOKED.value, AppointmentStatus.CHECKED_IN.value)


class OpeningHours(SQLModel, table=True):
    """One opening period of an agency on a weekday (0 = Monday), in local time."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        UniqueConstraint("agency_id", "weekday", "opens", name="uq_opening_hours"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_opening_hours_weekday"),
        CheckConstraint("opens < closes", name="ck_opening_hours_order"),
    )

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    weekday: int
    opens: time
    closes: time


class ClosedDay(SQLModel, table=True):
    """A day without appointments: a public holiday (no agency) or one agency's closure."""

    __tablename__ = "closed_day"
    __table_args__ = (
        Index(
            "uq_closed_day_all",
            "day",
            unique=True,
            postgresql_where=text("agency_id IS NULL"),
            sqlite_where=text("agency_id IS NULL"),
        ),
        Index(
            "uq_closed_day_agency",
            "agency_id",
            "day",
            unique=True,
            postgresql_where=text("agency_id IS NOT NULL"),
            sqlite_where=text("agency_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    day: date = Field(index=True)
    label: str = Field(max_length=100)


class AppointmentSlot(SQLModel, table=True):
    """A bookable time of one agency; ``taken`` never exceeds ``capacity``."""

    __tablename__ = "appointment_slot"
    __table_args__ = (
        UniqueConstraint("agency_id", "starts_at", name="uq_appointment_slot"),
        CheckConstraint("taken >= 0 AND taken <= capacity", name="ck_appointment_slot_taken"),
    )

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id")
    starts_at: datetime = Field(sa_type=AwareDateTime)
    capacity: int
    taken: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Appointment(SQLModel, table=True):
    """A pensioner's visit to an agency (for an enrolment or any other reason)."""

    __tablename__ = "appointment"
    __table_args__ = (
        # One live appointment per pensioner: moving changes the slot, never adds a row.
        Index(
            "uq_appointment_live",
            "pensioner_id",
            unique=True,
            postgresql_where=text("status IN ('booked', 'checked_in')"),
            sqlite_where=text("status IN ('booked', 'checked_in')"),
        ),
        Index("ix_appointment_agency_start", "agency_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id")
    slot_id: int = Field(foreign_key="appointment_slot.id", index=True)
    pensioner_id: int = Field(foreign_key="pensioner.id", index=True)
    starts_at: datetime = Field(sa_type=AwareDateTime)
    purpose: str = Field(default="enrolment", max_length=20)
    status: str = Field(default=AppointmentStatus.BOOKED.value, max_length=12, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    checked_in_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    # The adviser checked the identity document against the registry.
    identity_checked_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    identity_checked_by: int | None = Field(default=None, foreign_key="staff_user.id")
