"""Monthly payments and annual attestations. Money is integer centimes (MAD)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from .types import AwareDateTime, utcnow


class Payment(SQLModel, table=True):
    """One monthly pension payment, as imported from the fund's systems."""

    __table_args__ = (UniqueConstraint("pensioner_id", "period", name="uq_payment_period"),)

    id: int | None = Field(default=None, primary_key=True)
    pensioner_id: int = Field(foreign_key="pensioner.id", index=True)
    period: str = Field(max_length=7)  # YYYY-MM, the month the payment is for
    pay_date: date
    gross: int  # centimes
    igr: int  # income tax withheld, centimes
    net: int  # centimes
    method: str = Field(default="virement", max_length=20)

    @property
    def year(self) -> int:
        """The year the payment is for."""
        return int(self.period[:4])


class Attestation(SQLModel, table=True):
    """The annual pension attestation: totals for one year and a verification code."""

    __table_args__ = (UniqueConstraint("pensioner_id", "year", name="uq_attestation_year"),)

    id: int | None = Field(default=None, primary_key=True)
    pensioner_id: int = Field(foreign_key="pensioner.id", index=True)
    year: int
    gross_total: int
    igr_total: int
    net_total: int
    payment_count: int
    code: str = Field(max_length=20, unique=True, index=True)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    pdf: bytes | None = Field(default=None, sa_type=LargeBinary)
    pdf_rendered_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
