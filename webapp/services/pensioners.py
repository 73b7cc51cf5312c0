"""The pensioner's own data: payments, alerts and contact details."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..models import Alert, Payment, Pensioner, utcnow
from . import audit

CONTACT_FIELDS = ("marital_status", "children", "email", "gsm", "address", "city", "country")


def payments(session: Session, pensioner_id: int, limit: int | None = None) -> list[Payment]:
    """Payments newest first."""
    query = (
        select(Payment)
        .where(Payment.pensioner_id == pensioner_id)
        .order_by(col(Payment.period).desc())
    )
    if limit:
        query = query.limit(limit)
    return list(session.exec(query).all())


@dataclass(frozen=True)
class PaymentYear:
    """One year of the pensioner's payments: its total, and its months once loaded."""

    year: int
    months: int
    net: int
    payments: list[Payment] | None = None


def payment_years(session: Session, pensioner_id: int, open_years: int = 2) -> list[PaymentYear]:
    """Years with payments, newest first, with totals (one GROUP BY); the newest
    ``open_years`` carry their months, the older ones are loaded on demand."""
    year = func.substr(Payment.period, 1, 4)
    rows = session.exec(
        select(year, func.count(col(Payment.id)), func.sum(Payment.net))  # type: ignore[call-overload]
        .where(Payment.pensioner_id == pensioner_id)
        .group_by(year)
        .order_by(year.desc())
    ).all()
    years = [PaymentYear(int(y), int(n), int(total or 0)) for y, n, total in rows]
    if not years:
        return []
    recent = {y.year for y in years[:open_years]}
    months = payments_of_years(session, pensioner_id, recent)
    return [
        PaymentYear(y.year, y.months, y.net, months.get(y.year, [])) if y.year in recent else y
        for y in years
    ]


def payments_of_years(
    session: Session, pensioner_id: int, years: set[int]
) -> dict[int, list[Payment]]:
    """The months of ``years``, newest first, by year."""
    if not years:
        return {}
    rows = session.exec(
        select(Payment)
        .where(
            Payment.pensioner_id == pensioner_id,
            func.substr(Payment.period, 1, 4).in_([str(y) for y in years]),
        )
        .order_by(Payment.period.desc())  # type: ignore[attr-defined]
    ).all()
    out: dict[int, list[Payment]] = {}
    for row in rows:
        out.setdefault(int(row.period[:4]), []).append(row)
    return out


def payments_version(session: Session, pensioner_id: int) -> str:
    """A fingerprint of the pensioner's payments: changes when any row is added or changed."""
    count, last, net, gross = session.exec(
        select(  # type: ignore[call-overload]
            func.count(col(Payment.id)),
            func.max(Payment.id),
            func.sum(Payment.net),
            func.sum(Payment.gross),
        ).where(Payment.pensioner_id == pensioner_id)
    ).one()
    return f"{count}-{last}-{net}-{gross}"


def alerts(session: Session, pensioner_id: int) -> list[Alert]:
    """Alerts newest first."""
    return list(
        session.exec(
            select(Alert)
            .where(Alert.pensioner_id == pensioner_id)
            .order_by(col(Alert.created_at).desc(), col(Alert.id).desc())
        ).all()
    )


def unread_count(session: Session, pensioner_id: int) -> int:
    """How many alerts the pensioner has not opened yet."""
    return int(
        session.exec(
            select(func.count(col(Alert.id))).where(
                Alert.pensioner_id == pensioner_id, col(Alert.read_at).is_(None)
            )
        ).one()
    )


def mark_alerts_read(session: Session, pensioner_id: int) -> int:
    """Mark every alert read (done when the list is shown); returns how many changed."""
    now = utcnow()
    unread = session.exec(
        select(Alert).where(Alert.pensioner_id == pensioner_id, col(Alert.read_at).is_(None))
    ).all()
    for alert in unread:
        alert.read_at = now
    session.commit()
    return len(unread)


def add_alert(
    session: Session,
    pensioner_id: int,
    kind: str,
    *,
    title: str | None = None,
    body: str | None = None,
    **params,
) -> Alert:
    """Add an alert (committed by the caller's transaction)."""
    alert = Alert(pensioner_id=pensioner_id, kind=kind, title=title, body=body, params=params)
    session.add(alert)
    return alert


def update_contact(
    session: Session,
    pensioner: Pensioner,
    values: dict,
    *,
    password: str | None,
    ip: str | None = None,
) -> list[str]:
    """Save contact details; a new e-mail needs the password. Returns the changed fields.

    The password goes through ``auth.confirm_password`` (throttled and audited):
    ``WrongPassword`` or ``LoginThrottled`` and nothing is saved.
    """
    from .auth import confirm_password

    changed = [f for f in CONTACT_FIELDS if f in values and getattr(pensioner, f) != values[f]]
    if "email" in changed:
        confirm_password(session, pensioner, password or "", ip=ip)
    if not changed:
        return []
    for field in changed:
        setattr(pensioner, field, values[field])
    pensioner.updated_at = utcnow()
    audit.record(
        session,
        "contact_updated",
        actor_type="pensioner",
        actor_id=pensioner.id,
        target_type="pensioner",
        target_id=pensioner.id,
        ip=ip,
        fields=changed,
    )
    session.commit()
    return changed


def set_language(session: Session, pensioner: Pensioner, lang: str) -> bool:
    """Save the pensioner's language (the caller checked it is offered); True if it changed."""
    if pensioner.language == lang:
        return False
    pensioner.language = lang
    session.commit()
    return True
