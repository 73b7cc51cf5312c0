"""Annual pension attestations: totals, verification codes and the PDFs cached per language."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..errors import NotFound
from ..models import Attestation, AttestationPdf, Payment, Pensioner

#: The language of the fund's official document; the others are translations of it.
OFFICIAL_LANG = "fr"

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_code() -> str:
    """A 12-character verification code, grouped by 4 to be read over the phone."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def normalise_code(code: str) -> str:
    """Accept codes typed in lower case, with or without dashes or spaces."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def available_years(session: Session, pensioner_id: int) -> list[int]:
    """Years with at least one payment, newest first."""
    periods = session.exec(select(Payment.period).where(Payment.pensioner_id == pensioner_id)).all()
    return sorted({int(p[:4]) for p in periods}, reverse=True)


def default_year(years: list[int], today_year: int) -> int | None:
    """The last complete year with payments (the one a tax return asks for), else the
    newest year there is (a pensioner whose payments started this year)."""
    complete = [y for y in years if y < today_year]
    if complete:
        return max(complete)
    return years[0] if years else None


def year_totals(session: Session, pensioner_id: int, year: int) -> tuple[int, int, int, int]:
    """(gross, igr, net, count) of the payments for ``year``."""
    row = session.exec(
        select(
            func.coalesce(func.sum(Payment.gross), 0),
            func.coalesce(func.sum(Payment.igr), 0),
            func.coalesce(func.sum(Payment.net), 0),
            func.count(col(Payment.id)),
        ).where(Payment.pensioner_id == pensioner_id, Payment.period.startswith(f"{year}-"))
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def get_or_issue(session: Session, pensioner: Pensioner, year: int) -> Attestation:
    """The attestation for ``year``, issued on first request.

    If payments for that year changed since (a re-import), the totals are
    refreshed and the cached PDF dropped, so a document never disagrees
    with the payments; the code stays the same.
    """
    assert pensioner.id is not None
    gross, igr, net, count = year_totals(session, pensioner.id, year)
    if count == 0:
        raise NotFound()
    attestation = session.exec(
        select(Attestation).where(
            Attestation.pensioner_id == pensioner.id, Attestation.year == year
        )
    ).first()
    if attestation is None:
        attestation = Attestation(
            pensioner_id=pensioner.id,
            year=year,
            gross_total=gross,
            igr_total=igr,
            net_total=net,
            payment_count=count,
            code=new_code(),
        )
        session.add(attestation)
        session.commit()
    elif (
        attestation.gross_total,
        attestation.igr_total,
        attestation.net_total,
        attestation.payment_count,
    ) != (gross, igr, net, count):
        attestation.gross_total, attestation.igr_total = gross, igr
        attestation.net_total, attestation.payment_count = net, count
        session.execute(
            delete(AttestationPdf).where(col(AttestationPdf.attestation_id) == attestation.id)
        )
        session.commit()
    return attestation


def totals_of(attestation: Attestation) -> tuple[int, int, int, int]:
    """What a rendered PDF states: if these change, the PDF is out of date."""
    return (
        attestation.gross_total,
        attestation.igr_total,
        attestation.net_total,
        attestation.payment_count,
    )


def pdf_langs(reader_lang: str) -> list[str]:
    """The PDFs a reader is offered: their own language first, and always the French one."""
    return [reader_lang] if reader_lang == OFFICIAL_LANG else [reader_lang, OFFICIAL_LANG]


def cached_pdf(session: Session, attestation_id: int, lang: str) -> AttestationPdf | None:
    """The PDF of the attestation in ``lang``, if already rendered."""
    return session.exec(
        select(AttestationPdf).where(
            AttestationPdf.attestation_id == attestation_id, AttestationPdf.lang == lang
        )
    ).first()


def cached_langs(session: Session, attestation_id: int) -> set[str]:
    """The languages the attestation is already rendered in."""
    return set(
        session.exec(
            select(AttestationPdf.lang).where(AttestationPdf.attestation_id == attestation_id)
        ).all()
    )


def store_pdf(
    session: Session, attestation_id: int, lang: str, pdf: bytes, totals: tuple[int, int, int, int]
) -> bool:
    """Cache a rendered PDF, unless another job stored this language first or the totals
    it states changed while it was rendered. Returns whether this one was stored.

    The unique (attestation, language) constraint decides between two concurrent jobs.
    """
    attestation = session.get(Attestation, attestation_id, populate_existing=True)
    if attestation is None or totals_of(attestation) != totals:
        session.rollback()
        return False
    session.add(AttestationPdf(attestation_id=attestation_id, lang=lang, pdf=pdf))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def of_year(session: Session, pensioner_id: int, year: int) -> Attestation | None:
    """The pensioner's attestation for ``year``, if issued."""
    return session.exec(
        select(Attestation).where(
            Attestation.pensioner_id == pensioner_id, Attestation.year == year
        )
    ).first()


def of_pensioner(session: Session, pensioner_id: int, attestation_id: int) -> Attestation | None:
    """An attestation by id, only if it belongs to the pensioner."""
    attestation = session.get(Attestation, attestation_id)
    if attestation is None or attestation.pensioner_id != pensioner_id:
        return None
    return attestation


def find_by_code(session: Session, code: str) -> tuple[Attestation, Pensioner] | None:
    """The attestation and its holder for a verification code, if genuine."""
    row = session.exec(
        select(Attestation, Pensioner)
        .join(Pensioner, col(Pensioner.id) == Attestation.pensioner_id)
        .where(Attestation.code == normalise_code(code))
    ).first()
    return (row[0], row[1]) if row else None


def initials(pensioner: Pensioner) -> str:
    """ "M. B." style initials: enough to match a document, not to identify someone."""
    return f"{pensioner.first_name[:1].upper()}. {pensioner.last_name[:1].upper()}."
