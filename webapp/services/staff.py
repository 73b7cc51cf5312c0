"""What advisers look up: pensioner search and the pensioner's file."""

from __future__ import annotations

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from ..models import AuditEvent, Pensioner
from .dp import normalise_dp


def search_pensioners(session: Session, query: str, limit: int = 50) -> list[Pensioner]:
    """By DP number, passport or ID number (exact or prefix), or by name (contains)."""
    q = query.strip()
    if len(q) < 2:
        return []
    up = q.upper()
    dp_prefix = normalise_dp(q) or up  # never empty: "" would match everyone
    needle = q.lower()  # % and _ are matched literally (autoescape)
    name = func.lower(Pensioner.first_name + " " + Pensioner.last_name)
    name_rev = func.lower(Pensioner.last_name + " " + Pensioner.first_name)
    return list(
        session.exec(
            select(Pensioner)
            .where(
                or_(
                    col(Pensioner.dp_number).startswith(dp_prefix, autoescape=True),
                    col(Pensioner.passport_number) == up,
                    col(Pensioner.id_number) == up,
                    name.contains(needle, autoescape=True),
                    name_rev.contains(needle, autoescape=True),
                )
            )
            .order_by(Pensioner.last_name, Pensioner.first_name)
            .limit(limit)
        ).all()
    )


def audit_trail(session: Session, pensioner_id: int, limit: int = 100) -> list[AuditEvent]:
    """Events about this pensioner, newest first."""
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.target_type == "pensioner", AuditEvent.target_id == pensioner_id)
            .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
            .limit(limit)
        ).all()
    )
