"""A new e-mail address takes effect only once a code or link sent to it is confirmed.

The pensioner types the new address and their password on « Mes coordonnées »;
the address waits in ``Pensioner.pending_email`` and a one-time code (see
:mod:`.otp`: hashed, single use, tries, cool-down, daily limits) goes to it with
a one-click link. The link is signed (``SECRET_KEY``) and names the code's row:
it dies with that code (used, replaced by a new one, cancelled, expired or out of
tries), so it works once and needs no login; its page asks for a click (POST)
so that a mail scanner following links confirms nothing. Until the swap every
message still goes to the old address; on the swap the old address is told.

API::

    start(db, pensioner, new_email, *, password, confirm_url, ip=None, now=None)
    resend(db, pensioner, *, confirm_url, ip=None, now=None)
    confirm_code(db, pensioner, code, *, ip=None, now=None) -> str   # the new address
    confirm_link(db, token, *, ip=None, now=None) -> Pensioner
    cancel(db, pensioner, *, ip=None) -> bool
    state(db, pensioner, now=None) -> Pending | None
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from ..errors import DomainError
from ..models import OneTimeCode, Pensioner, utcnow
from . import audit, notify, otp, pensioners

PURPOSE = "email_change"
#: An e-mail is often read later than an SMS, and on another device: code and link
#: live longer than an enrolment code, still well under an hour.
TTL = timedelta(minutes=30)
_SALT = "email-change-link"

#: Builds the absolute confirmation URL for a token (the caller knows the routes).
ConfirmUrl = Callable[[str], str]


class EmailTaken(DomainError):
    message = _l(
        "Cette adresse e-mail est déjà utilisée par un autre compte. "
        "Choisissez-en une autre ou contactez votre caisse."
    )


class NoPendingChange(DomainError):
    message = _l("Aucun changement d'adresse e-mail n'est en attente.")


class LinkInvalid(DomainError):
    message = _l(
        "Ce lien n'est plus valable : il a expiré, a déjà servi ou a été remplacé par un "
        "nouveau code. Demandez un nouveau code depuis « Mes coordonnées »."
    )


@dataclass(frozen=True)
class Pending:
    """What « Mes coordonnées » shows about a change waiting for its confirmation."""

    email: str
    minutes: int
    # The last code cannot be used any more: expired, used up by wrong tries, cancelled.
    expired: bool
    exhausted: bool
    resend_wait: int


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _is_taken(db: Session, pensioner: Pensioner, email: str) -> bool:
    """Another pension file already has this address (compared without case)."""
    other = db.exec(
        select(Pensioner.id).where(
            func.lower(col(Pensioner.email)) == email.lower(), Pensioner.id != pensioner.id
        )
    ).first()
    return other is not None


def _send_code(
    db: Session, pensioner: Pensioner, email: str, confirm_url: ConfirmUrl, ip, now
) -> None:
    code = otp.issue(
        db,
        PURPOSE,
        destination=email,
        channel="email",
        pensioner_id=pensioner.id,
        ip=ip,
        ttl=TTL,
        now=now,
    )
    row = otp.last_code(db, PURPOSE, pensioner_id=pensioner.id)
    assert row is not None and row.id is not None
    token = _serializer().dumps([pensioner.id, row.id])
    notify.notify(
        db,
        "email_change_code",
        pensioner=pensioner,
        destination=email,
        channel="email",
        scope=f"email_change:{row.id}",
        code=code,
        link=confirm_url(token),
        minutes=int(TTL.total_seconds() // 60),
    )


def start(
    db: Session,
    pensioner: Pensioner,
    new_email: str | None,
    *,
    password: str | None,
    confirm_url: ConfirmUrl,
    ip: str | None = None,
    now: datetime | None = None,
) -> str | None:
    """Ask for ``new_email``: check the password, send it a code.

    Returns ``"sent"`` (a code went to the new address), ``"removed"`` or None.
    The same address as now, or as the one already waiting, changes nothing.
    An empty address removes the e-mail at once (nothing to confirm) and tells
    the old one. Raises ``WrongPassword``, ``LoginThrottled``, ``EmailTaken``,
    ``ResendTooSoon`` or ``CodeLimitReached``; nothing is saved then.
    """
    from .auth import confirm_password

    now = now or utcnow()
    if new_email == pensioner.email or (new_email and new_email == pensioner.pending_email):
        return None
    confirm_password(db, pensioner, password or "", ip=ip)
    if not new_email:
        _cancel_codes(db, pensioner, now)
        pensioner.pending_email = pensioner.pending_email_at = None
        _swap(db, pensioner, None, ip=ip, now=now)
        return "removed"
    if _is_taken(db, pensioner, new_email):
        raise EmailTaken()
    _send_code(db, pensioner, new_email, confirm_url, ip, now)
    pensioner.pending_email, pensioner.pending_email_at = new_email, now
    audit.record(
        db,
        "email_change_requested",
        actor_type="pensioner",
        actor_id=pensioner.id,
        target_type="pensioner",
        target_id=pensioner.id,
        ip=ip,
    )
    db.commit()
    return "sent"


def resend(
    db: Session,
    pensioner: Pensioner,
    *,
    confirm_url: ConfirmUrl,
    ip: str | None = None,
    now: datetime | None = None,
) -> None:
    """A new code (and link) to the waiting address; the previous ones die."""
    if not pensioner.pending_email:
        raise NoPendingChange()
    if _is_taken(db, pensioner, pensioner.pending_email):
        _drop_pending(db, pensioner, now or utcnow())
        raise EmailTaken()
    _send_code(db, pensioner, pensioner.pending_email, confirm_url, ip, now or utcnow())


def confirm_code(
    db: Session,
    pensioner: Pensioner,
    code: str,
    *,
    ip: str | None = None,
    now: datetime | None = None,
) -> str:
    """Check the typed code and swap the address; returns the new one.

    Raises ``NoPendingChange``, ``EmailTaken`` or the code's errors (``CodeWrong``,
    ``CodeExpired``, ``CodeExhausted``).
    """
    now = now or utcnow()
    email = pensioner.pending_email
    if not email:
        raise NoPendingChange()
    if _is_taken(db, pensioner, email):
        _drop_pending(db, pensioner, now)
        raise EmailTaken()
    row = otp.verify(db, PURPOSE, code, pensioner_id=pensioner.id, now=now)
    if row.destination != email:  # pragma: no cover - a new start() replaces the code
        raise NoPendingChange()
    _swap(db, pensioner, email, ip=ip, now=now)
    return email


def check_link(
    db: Session, token: str, *, now: datetime | None = None
) -> tuple[Pensioner, str, int]:
    """The pension file, the address a link would confirm and its code's row id.

    Raises ``LinkInvalid`` when the link cannot confirm anything (any more).
    """
    now = now or utcnow()
    try:
        pensioner_id, code_id = _serializer().loads(token, max_age=int(TTL.total_seconds()))
    except (BadData, ValueError, TypeError) as exc:
        raise LinkInvalid() from exc
    pensioner = db.get(Pensioner, pensioner_id) if isinstance(pensioner_id, int) else None
    row = db.get(OneTimeCode, code_id) if isinstance(code_id, int) else None
    if (
        pensioner is None
        or row is None
        or row.purpose != PURPOSE
        or row.pensioner_id != pensioner.id
        or row.used_at is not None
        or row.expires_at <= now
        or row.tries >= row.max_tries
        or row.destination != pensioner.pending_email
    ):
        raise LinkInvalid()
    return pensioner, row.destination, code_id


def confirm_link(
    db: Session, token: str, *, ip: str | None = None, now: datetime | None = None
) -> Pensioner:
    """Confirm by the e-mailed link: consumes its code in one conditional UPDATE."""
    now = now or utcnow()
    pensioner, email, code_id = check_link(db, token, now=now)
    if _is_taken(db, pensioner, email):
        _drop_pending(db, pensioner, now)
        raise EmailTaken()
    table = OneTimeCode.__table__  # type: ignore[attr-defined]
    consumed = db.execute(
        update(table)
        .where(
            table.c.id == code_id,
            table.c.used_at.is_(None),
            table.c.expires_at > now,
            table.c.tries < table.c.max_tries,
        )
        .values(used_at=now)
        .returning(table.c.id)
    ).first()
    if consumed is None:  # the code was typed, or the link clicked, a moment ago
        db.rollback()
        raise LinkInvalid()
    _swap(db, pensioner, email, ip=ip, now=now)
    return pensioner


def cancel(db: Session, pensioner: Pensioner, *, ip: str | None = None) -> bool:
    """Forget the waiting address; its code and link die. False if nothing was waiting."""
    if not pensioner.pending_email:
        return False
    _drop_pending(db, pensioner, utcnow(), ip=ip, action="email_change_cancelled")
    return True


def state(db: Session, pensioner: Pensioner, now: datetime | None = None) -> Pending | None:
    """The change waiting for confirmation, if any, and whether its code still works."""
    if not pensioner.pending_email:
        return None
    now = now or utcnow()
    row = otp.last_code(db, PURPOSE, pensioner_id=pensioner.id)
    expired = exhausted = False
    if row is None or row.destination != pensioner.pending_email or row.used_at is not None:
        expired = True
    elif row.tries >= row.max_tries:
        exhausted = True
    elif row.expires_at <= now:
        expired = True
    return Pending(
        email=pensioner.pending_email,
        minutes=int(TTL.total_seconds() // 60),
        expired=expired,
        exhausted=exhausted,
        resend_wait=otp.seconds_before_resend(db, PURPOSE, pensioner_id=pensioner.id, now=now),
    )


def _cancel_codes(db: Session, pensioner: Pensioner, now: datetime) -> None:
    """Every live code (and so every link) of a change dies now."""
    db.execute(
        update(OneTimeCode)
        .where(
            col(OneTimeCode.purpose) == PURPOSE,
            col(OneTimeCode.pensioner_id) == pensioner.id,
            col(OneTimeCode.used_at).is_(None),
            col(OneTimeCode.expires_at) > now,
        )
        .values(expires_at=now)
    )


def _drop_pending(
    db: Session,
    pensioner: Pensioner,
    now: datetime,
    *,
    ip: str | None = None,
    action: str = "email_change_dropped",
) -> None:
    _cancel_codes(db, pensioner, now)
    pensioner.pending_email = pensioner.pending_email_at = None
    audit.record(
        db,
        action,
        actor_type="pensioner",
        actor_id=pensioner.id,
        target_type="pensioner",
        target_id=pensioner.id,
        ip=ip,
    )
    db.commit()


def _swap(
    db: Session, pensioner: Pensioner, email: str | None, *, ip: str | None, now: datetime
) -> None:
    """The new address takes effect; audited, an alert in the space, the old one told."""
    old = pensioner.email
    pensioner.email = email
    pensioner.pending_email = pensioner.pending_email_at = None
    pensioner.updated_at = now
    event = audit.record(
        db,
        "contact_updated",
        actor_type="pensioner",
        actor_id=pensioner.id,
        target_type="pensioner",
        target_id=pensioner.id,
        ip=ip,
        fields=["email"],
        confirmed=email is not None,
    )
    assert pensioner.id is not None
    pensioners.add_alert(db, pensioner.id, "email_changed")
    db.commit()
    if old and old.lower() != (email or "").lower():
        notify.notify(
            db,
            "email_changed",
            pensioner=pensioner,
            destination=old,
            channel="email",
            scope=f"email_changed:{event.id}",
            when=now,
            lang=pensioner.language,
        )
