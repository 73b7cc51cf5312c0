"""Counting password failures atomically, per (identifier, client network) and per identifier.

Two counters guard every password check (login and re-entry of the password):

- per identifier and client network (an IPv4 address, an IPv6 /64): after
  ``LOGIN_FREE_FAILURES`` failures each one doubles a delay capped at
  ``LOGIN_MAX_DELAY_SECONDS``. A stranger only delays himself.
- per identifier, all networks together: a ceiling of
  ``LOGIN_ACCOUNT_FREE_FAILURES`` failures, then a short delay capped at
  ``LOGIN_ACCOUNT_MAX_DELAY_SECONDS``. It slows an attacker spread over many
  addresses to about one guess a minute without ever blocking the owner for
  longer than that.

An attempt is counted *before* the password is checked, with one conditional
``UPDATE … SET failures = failures + 1 … RETURNING`` per counter, which only
succeeds while the counter is not in its delay; the delay it sets is computed
in the same statement. Parallel attempts therefore each take a slot, and no
more than the free tries are ever evaluated. A success resets both counters.
Counters are keyed by what was typed, so unknown identifiers behave exactly like
known ones. They live in the database (atomic on SQLite and PostgreSQL).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import case, delete, insert, literal, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from ..errors import LoginThrottled
from ..models import LoginThrottle, utcnow
from ..models.types import AwareDateTime

_FIRST_DELAY = 30  # seconds, doubled by each further failure


def client_network(ip: str | None) -> str:
    """The unit a client is throttled by: its IPv4 address or its IPv6 /64."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return "?"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def key_for(kind: str, identifier: str, ip: str | None = None) -> str:
    """The counter key: a MAC of kind, identifier and (if given) the client network."""
    scope = client_network(ip) if ip is not None else "*"
    message = f"{kind}\0{identifier}\0{scope}".encode()
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _limits() -> list[tuple[bool, int, int]]:
    cfg = current_app.config
    return [
        (True, cfg["LOGIN_FREE_FAILURES"], cfg["LOGIN_MAX_DELAY_SECONDS"]),
        (False, cfg["LOGIN_ACCOUNT_FREE_FAILURES"], cfg["LOGIN_ACCOUNT_MAX_DELAY_SECONDS"]),
    ]


def _lock_expression(free: int, max_delay: int, now: datetime):
    """``locked_until`` after this failure: none before ``free``, then doubling, capped."""
    failures = col(LoginThrottle.failures) + 1
    whens: list[tuple[Any, Any]] = [(failures < free, literal(None, AwareDateTime()))]
    step, delay = 0, _FIRST_DELAY
    while delay < max_delay:
        at = now + timedelta(seconds=delay)
        whens.append((failures == free + step, literal(at, AwareDateTime())))
        step, delay = step + 1, delay * 2
    return case(*whens, else_=literal(now + timedelta(seconds=max_delay), AwareDateTime()))


def _ensure_row(session: Session, key: str, subject: str, now: datetime) -> None:
    dialect = session.get_bind().dialect.name
    values = {
        "key": key,
        "subject": subject,
        "failures": 0,
        "locked_until": None,
        "updated_at": now,
    }
    if dialect == "postgresql":
        session.execute(pg_insert(LoginThrottle).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite_insert(LoginThrottle).values(values).on_conflict_do_nothing())
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        session.execute(insert(LoginThrottle).values(values))


def count_attempt(session: Session, kind: str, identifier: str, ip: str | None) -> None:
    """Take one attempt on both counters, or raise ``LoginThrottled`` (nothing counted).

    Commits at once, so the row locks are not held while the password is hashed.
    """
    now = utcnow()
    try:
        for per_network, free, max_delay in _limits():
            key = key_for(kind, identifier, ip if per_network else None)
            _ensure_row(session, key, key_for(kind, identifier), now)
            counted = session.execute(
                update(LoginThrottle)
                .where(col(LoginThrottle.key) == key)
                .where(
                    or_(
                        col(LoginThrottle.locked_until).is_(None),
                        col(LoginThrottle.locked_until) <= now,
                    )
                )
                .values(
                    failures=col(LoginThrottle.failures) + 1,
                    locked_until=_lock_expression(free, max_delay, now),
                    updated_at=now,
                )
                .returning(col(LoginThrottle.failures))
            ).first()
            if counted is None:
                row = session.get(LoginThrottle, key, populate_existing=True)
                until = row.locked_until if row and row.locked_until else now
                session.rollback()
                raise LoginThrottled(int((until - now).total_seconds()) + 1)
        session.commit()
    except BaseException:
        session.rollback()
        raise


def reset(session: Session, kind: str, identifier: str, ip: str | None) -> None:
    """The right password: both counters start again (committed by the caller)."""
    keys = [key_for(kind, identifier, ip), key_for(kind, identifier)]
    session.execute(
        update(LoginThrottle)
        .where(col(LoginThrottle.key).in_(keys))
        .values(failures=0, locked_until=None, updated_at=utcnow())
    )


def purge(session: Session, older_than: timedelta = timedelta(days=2)) -> int:
    """Forget counters untouched for a while (their delays have long run out)."""
    result = session.execute(
        delete(LoginThrottle).where(col(LoginThrottle.updated_at) < utcnow() - older_than)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def forget(session: Session, kind: str, identifier: str) -> None:
    """Drop every counter of this identifier (an agent reset the access; committed by caller)."""
    session.execute(
        delete(LoginThrottle).where(col(LoginThrottle.subject) == key_for(kind, identifier))
    )
