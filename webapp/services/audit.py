"""The audit trail: who did what, when and why."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ..models import AuditEvent


def record(
    session: Session,
    action: str,
    *,
    actor_type: str,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    ip: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit row to ``session`` (committed with the change it describes)."""
    event = AuditEvent(
        action=action,
        actor_type=actor_type,
        actor_id=actor_id,
        target_type=target_type,
        target_id=target_id,
        ip=ip,
        detail=detail,
    )
    session.add(event)
    return event
