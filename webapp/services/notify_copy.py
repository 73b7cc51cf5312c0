"""A notification copied once to another channel (the fall-backs of notify and push)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ..models import Notification


def copy_once(
    db: Session, row: Notification, channel: str, destination: str
) -> Notification | None:
    """``row``'s message as a new notification on ``channel``, committed; None when the
    unique (kind, recipient, scope, channel) row exists already (fell back before, or
    already sent that way)."""
    copy = Notification(
        kind=row.kind,
        pensioner_id=row.pensioner_id,
        recipient=row.recipient,
        scope=row.scope,
        channel=channel,
        destination=destination,
        language=row.language,
        subject=row.subject,
        body=row.body,
    )
    try:
        with db.begin_nested():
            db.add(copy)
    except IntegrityError:
        return None
    db.commit()
    return copy
