"""The staff campaign dashboard: who attested, who waits for review, who is late or suspended.

Pensioners are counted under their home agency: the fund's agency in their city
(the registry has no agency of attachment); those living elsewhere, abroad
mostly, form their own line. Every figure comes from one GROUP BY query, so the
dashboard costs the same for 5 or 200,000 pensioners' worth of rows to scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, false, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from ..errors import DomainError
from ..models import (
    AccountStatus,
    Agency,
    Alert,
    AuditEvent,
    Campaign,
    PaymentStatus,
    Pensioner,
    ProofAttempt,
    ProofStatus,
    utcnow,
)

P = Pensioner.__table__  # type: ignore[attr-defined]
S = ProofStatus.__table__  # type: ignore[attr-defined]
AG = Agency.__table__  # type: ignore[attr-defined]
ATT = ProofAttempt.__table__  # type: ignore[attr-defined]

#: Broadcast segments an adviser may choose.
SEGMENTS = ("not_attested", "suspended", "abroad_not_attested", "all_active")
MAX_BROADCAST_TEXT = 1000


class EmptyBroadcast(DomainError):
    """A broadcast needs a title and a text."""


@dataclass(frozen=True)
class AgencyLine:
    """One line of the dashboard."""

    agency_id: int | None
    agency: str | None
    total: int
    attested: int
    review: int
    todo: int
    late: int
    suspended: int

    def share(self, part: int) -> float:
        """``part`` as a share of the line's total (0 when empty)."""
        return part / self.total if self.total else 0.0


def _home_agency() -> Any:
    """agency id per city (the lowest id when a city has several)."""
    return (
        select(func.lower(AG.c.city).label("city"), func.min(AG.c.id).label("agency_id"))
        .where(AG.c.active.is_(True))
        .group_by(func.lower(AG.c.city))
        .subquery()
    )


def _waiting_review(campaign: Campaign) -> ColumnElement[bool]:
    return exists().where(
        ATT.c.pensioner_id == P.c.id,
        ATT.c.campaign_id == campaign.id,
        ATT.c.decision == "review",
        ATT.c.review_decision.is_(None),
    )


def summary(session: Session, campaign: Campaign, today: date) -> list[AgencyLine]:
    """One line per home agency (and one for the rest), in one query."""
    home = _home_agency()
    attested = S.c.attested_at.isnot(None)
    suspended = P.c.payment_status == PaymentStatus.SUSPENDED.value
    review = and_(~attested, _waiting_review(campaign))
    open_ = and_(~attested, ~review, ~suspended)
    # Before the deadline the others are "to do"; after it, "late" until suspended.
    todo, late = (false(), open_) if today > campaign.deadline else (open_, false())

    def count(cond: ColumnElement[bool]) -> Any:
        return func.sum(case((cond, 1), else_=0))

    rows = session.execute(
        select(
            home.c.agency_id,
            func.count(P.c.id),
            count(attested),
            count(review),
            count(todo),
            count(late),
            count(and_(~attested, ~review, suspended)),
        )
        .select_from(
            P.outerjoin(
                S, and_(S.c.pensioner_id == P.c.id, S.c.campaign_id == campaign.id)
            ).outerjoin(home, home.c.city == func.lower(P.c.city))
        )
        .where(P.c.account_status == AccountStatus.ACTIVE.value)
        .group_by(home.c.agency_id)
    ).all()
    names = dict(session.execute(select(AG.c.id, AG.c.name)).all())
    lines = [
        AgencyLine(agency_id, names.get(agency_id), *(int(x or 0) for x in figures))
        for agency_id, *figures in rows
    ]
    return sorted(lines, key=lambda line: (line.agency is None, line.agency or ""))


def total(lines: list[AgencyLine]) -> AgencyLine:
    """The whole fund's line."""
    return AgencyLine(
        None,
        None,
        *(
            sum(getattr(line, f) for line in lines)
            for f in ("total", "attested", "review", "todo", "late", "suspended")
        ),
    )


def not_attested(
    session: Session, campaign: Campaign, *, agency_id: int | None = None, limit: int = 50
) -> list[Pensioner]:
    """Active pensioners who have not attested for ``campaign``, suspended first."""
    home = _home_agency()
    attested = exists().where(
        S.c.pensioner_id == P.c.id, S.c.campaign_id == campaign.id, S.c.attested_at.isnot(None)
    )
    query = (
        select(Pensioner)
        .where(P.c.account_status == AccountStatus.ACTIVE.value, ~attested)
        .order_by(
            case((P.c.payment_status == PaymentStatus.SUSPENDED.value, 0), else_=1),
            P.c.dp_number,
        )
        .limit(limit)
    )
    if agency_id is not None:
        query = query.join(home, home.c.city == func.lower(P.c.city)).where(
            home.c.agency_id == agency_id
        )
    return list(session.execute(query).scalars())


def _segment(campaign: Campaign, segment: str) -> ColumnElement[bool]:
    active = P.c.account_status == AccountStatus.ACTIVE.value
    attested = exists().where(
        S.c.pensioner_id == P.c.id, S.c.campaign_id == campaign.id, S.c.attested_at.isnot(None)
    )
    if segment == "suspended":
        return and_(active, P.c.payment_status == PaymentStatus.SUSPENDED.value)
    if segment == "abroad_not_attested":
        return and_(active, ~attested, or_(P.c.country != "MAR", P.c.country.is_(None)))
    if segment == "all_active":
        return active
    return and_(active, ~attested)


def broadcast(
    session: Session,
    campaign: Campaign,
    *,
    segment: str,
    title: str,
    body: str,
    staff_id: int,
    ip: str | None = None,
) -> int:
    """An in-app alert to every pensioner of ``segment`` (one INSERT … SELECT); audited."""
    title, body = title.strip(), body.strip()
    if not title or not body or segment not in SEGMENTS:
        raise EmptyBroadcast()
    now = utcnow()
    A = Alert.__table__  # type: ignore[attr-defined]
    result = session.execute(
        A.insert()
        .from_select(
            ["pensioner_id", "kind", "params", "title", "body", "created_at"],
            select(
                P.c.id,
                literal("message"),
                literal({}, A.c.params.type),
                literal(title[:200]),
                literal(body[:MAX_BROADCAST_TEXT]),
                literal(now, A.c.created_at.type),
            ).where(_segment(campaign, segment)),
        )
        .returning(A.c.id)
    )
    count = len(result.all())
    session.add(
        AuditEvent(
            actor_type="staff",
            actor_id=staff_id,
            action="staff_broadcast",
            target_type="campaign",
            target_id=campaign.id,
            ip=ip,
            detail={"segment": segment, "title": title[:200], "recipients": count},
        )
    )
    session.commit()
    return count
