"""One-time codes: 6 digits sent by SMS or e-mail to prove a contact or a presence.

Rules (settings in ``webapp.config``): a code comes from ``secrets`` (a CSPRNG),
is stored as a salted HMAC keyed by ``SECRET_KEY`` (a copied database does not
give the codes away), is valid ``OTP_TTL_MINUTES``, is used once, and dies after
``OTP_MAX_TRIES`` wrong guesses (then a new one must be asked for). A new code
replaces the previous one for the same purpose and binding; it can be asked for
again only after ``OTP_RESEND_SECONDS``. Daily limits per destination, per
pension file and per IP are counted in the database atomically (SMS cost money
and invite abuse).

Verifying is ONE conditional ``UPDATE .. RETURNING``: the try is counted and the
code consumed in the same statement, only while the code is unused, unexpired
and not exhausted, so two concurrent guesses can never both win.

API::

    issue(db, purpose, *, destination, channel, enrolment_id=None, pensioner_id=None,
          appointment_id=None, ip=None, ttl=None, now=None) -> str
    verify(db, purpose, code, *, enrolment_id=None, pensioner_id=None,
           appointment_id=None, now=None) -> OneTimeCode
    seconds_before_resend(db, purpose, *, binding..., now=None) -> int
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l, ngettext
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from ..errors import DomainError
from ..models import Enrolment, OneTimeCode, OtpCounter, utcnow

CODE_DIGITS = 6


class CodeError(DomainError):
    """Any refusal of a one-time code."""


class CodeExpired(CodeError):
    message = _l("Ce code a expiré. Demandez un nouveau code.")


class CodeWrong(CodeError):
    def __init__(self, tries_left: int):
        message = ngettext(
            "Code incorrect. Il vous reste %(num)s essai.",
            "Code incorrect. Il vous reste %(num)s essais.",
            tries_left,
        )
        super().__init__(message, tries_left=tries_left)
        self.tries_left = tries_left


class CodeExhausted(CodeError):
    message = _l("Trop d'essais avec ce code. Demandez un nouveau code.")


class ResendTooSoon(CodeError):
    message = _l(
        "Un code vient d'être envoyé. Vous pourrez en demander un autre dans %(seconds)s s."
    )

    def __init__(self, seconds: int):
        super().__init__(self.message % {"seconds": seconds}, seconds=seconds)
        self.seconds = seconds


class CodeLimitReached(CodeError):
    message = _l(
        "Trop de codes ont été demandés aujourd'hui. Réessayez demain ou contactez votre caisse."
    )


def _digest(salt: str, purpose: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{salt}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def _hash(purpose: str, code: str) -> str:
    salt = secrets.token_hex(8)
    return f"{salt}${_digest(salt, purpose, code)}"


def _bound(purpose: str, enrolment_id, pensioner_id, appointment_id):
    """The WHERE clause for codes of ``purpose`` bound to exactly these rows."""
    clauses: list[Any] = [col(OneTimeCode.purpose) == purpose]
    for column, value in (
        (OneTimeCode.enrolment_id, enrolment_id),
        (OneTimeCode.pensioner_id, pensioner_id),
        (OneTimeCode.appointment_id, appointment_id),
    ):
        clauses.append(col(column).is_(None) if value is None else column == value)
    return clauses


def _latest(db: Session, purpose, enrolment_id, pensioner_id, appointment_id):
    query = (
        select(OneTimeCode)
        .where(*_bound(purpose, enrolment_id, pensioner_id, appointment_id))
        .order_by(col(OneTimeCode.id).desc())
        .limit(1)
    )
    return db.exec(query).first()


def last_code(
    db: Session,
    purpose: str,
    *,
    enrolment_id: int | None = None,
    pensioner_id: int | None = None,
    appointment_id: int | None = None,
) -> OneTimeCode | None:
    """The newest code for this purpose and binding (its id scopes the notification)."""
    return _latest(db, purpose, enrolment_id, pensioner_id, appointment_id)


def _count(db: Session, key: str, limit: int, period: str) -> bool:
    """Add one to ``key``'s counter for ``period`` unless it reached ``limit`` (atomic)."""
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = OtpCounter.__table__  # type: ignore[attr-defined]
    upsert = (
        insert(table)
        .values(key=key, period=period, count=1)
        .on_conflict_do_update(
            index_elements=["key", "period"],
            set_={"count": table.c.count + 1},
            where=table.c.count < limit,
        )
        .returning(table.c.count)
    )
    return db.execute(upsert).first() is not None


def seconds_before_resend(
    db: Session,
    purpose: str,
    *,
    enrolment_id: int | None = None,
    pensioner_id: int | None = None,
    appointment_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """How long before another code may be sent for this purpose and binding (0: now)."""
    now = now or utcnow()
    last = _latest(db, purpose, enrolment_id, pensioner_id, appointment_id)
    if last is None:
        return 0
    wait = current_app.config["OTP_RESEND_SECONDS"] - (now - last.created_at).total_seconds()
    return max(0, int(wait + 0.999))


def issue(
    db: Session,
    purpose: str,
    *,
    destination: str,
    channel: str,
    enrolment_id: int | None = None,
    pensioner_id: int | None = None,
    appointment_id: int | None = None,
    ip: str | None = None,
    ttl: timedelta | None = None,
    now: datetime | None = None,
) -> str:
    """Create a code, replacing the previous one; returns it in clear (to be sent). Commits.

    Raises ``ResendTooSoon`` within the cool-down and ``CodeLimitReached`` past a
    daily limit (nothing is written then).
    """
    cfg = current_app.config
    now = now or utcnow()
    wait = seconds_before_resend(
        db,
        purpose,
        enrolment_id=enrolment_id,
        pensioner_id=pensioner_id,
        appointment_id=appointment_id,
        now=now,
    )
    if wait:
        raise ResendTooSoon(wait)
    file_id = pensioner_id
    if file_id is None and enrolment_id is not None:
        enrolment = db.get(Enrolment, enrolment_id)
        file_id = enrolment.pensioner_id if enrolment else None
    period = now.date().isoformat()
    limits = [(f"dest:{destination.lower()}", cfg["OTP_DAILY_LIMIT_DESTINATION"])]
    if file_id is not None:
        limits.append((f"file:{file_id}", cfg["OTP_DAILY_LIMIT_FILE"]))
    if ip:
        limits.append((f"ip:{ip}", cfg["OTP_DAILY_LIMIT_IP"]))
    try:
        for key, limit in limits:
            if not _count(db, key, limit, period):
                raise CodeLimitReached()
        # The previous code for the same purpose and binding dies now.
        db.execute(
            update(OneTimeCode)
            .where(*_bound(purpose, enrolment_id, pensioner_id, appointment_id))
            .where(col(OneTimeCode.used_at).is_(None), col(OneTimeCode.expires_at) > now)
            .values(expires_at=now)
        )
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        db.add(
            OneTimeCode(
                purpose=purpose,
                code_hash=_hash(purpose, code),
                enrolment_id=enrolment_id,
                pensioner_id=pensioner_id,
                appointment_id=appointment_id,
                destination=destination,
                channel=channel,
                ip=ip,
                expires_at=now + (ttl or timedelta(minutes=cfg["OTP_TTL_MINUTES"])),
                max_tries=cfg["OTP_MAX_TRIES"],
                created_at=now,
            )
        )
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return code


def verify(
    db: Session,
    purpose: str,
    code: str,
    *,
    enrolment_id: int | None = None,
    pensioner_id: int | None = None,
    appointment_id: int | None = None,
    now: datetime | None = None,
) -> OneTimeCode:
    """Consume the code if it is right; else count the try and raise why. Commits.

    Raises ``CodeExpired`` (none, used or too old), ``CodeExhausted`` (no try
    left, including after this one) or ``CodeWrong(tries_left)``.
    """
    now = now or utcnow()
    row = _latest(db, purpose, enrolment_id, pensioner_id, appointment_id)
    if row is None:
        raise CodeExpired()
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    salt, _, expected = row.code_hash.partition("$")
    right = len(code) == CODE_DIGITS and hmac.compare_digest(_digest(salt, purpose, code), expected)
    table = OneTimeCode.__table__  # type: ignore[attr-defined]
    stmt = (
        update(table)
        .where(
            table.c.id == row.id,
            table.c.used_at.is_(None),
            table.c.expires_at > now,
            table.c.tries < table.c.max_tries,
        )
        .values(tries=table.c.tries + 1, **({"used_at": now} if right else {}))
        .returning(table.c.tries, table.c.max_tries, table.c.used_at)
    )
    result = db.execute(stmt).first()
    db.commit()
    if result is None:
        db.refresh(row)
        if row.used_at is None and row.expires_at > now and row.tries >= row.max_tries:
            raise CodeExhausted()
        raise CodeExpired()
    tries, max_tries, used_at = result
    if used_at is not None:
        db.refresh(row)
        return row
    if tries >= max_tries:
        raise CodeExhausted()
    raise CodeWrong(max_tries - tries)
