"""Monthly payments, annual attestations and their PDFs. Money is integer centimes (MAD)."""

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


class AttestationPdf(SQLModel, table=True):
    """The attestation rendered in one language, cached: at most one per (attestation,
    language), which the database enforces so two jobs rendering it cannot both store it.

    French is the fund's official document; Arabic and English are translations.
    """

    __tablename__ = "attestation_pdf"
    __table_args__ = (UniqueConstraint("attestation_id", "lang", name="uq_attestation_pdf_lang"),)

    id: int | None = Field(default=None, primary_key=True)
    attestation_id: int = Field(foreign_key="attestation.id", ondelete="CASCADE")
    lang: str = Field(max_length=2)
    pdf: bytes = Field(sa_type=LargeBinary)
    rendered_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
