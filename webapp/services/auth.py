"""Logging in pensioners and staff, with growing delays instead of lock-outs."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlmodel import Session, select

from ..errors import InvalidCredentials, LoginThrottled, WrongPassword
from ..models import AccountStatus, Pensioner, StaffUser, utcnow
from . import audit
from .passwords import hash_password, verify_password


def _check_throttle(account: Pensioner | StaffUser | None, now: datetime) -> None:
    if account is not None and account.locked_until and account.locked_until > now:
        raise LoginThrottled(int((account.locked_until - now).total_seconds()) + 1)


def _register_failure(account: Pensioner | StaffUser, now: datetime) -> None:
    """After a few free tries each failure doubles the wait, capped at the maximum."""
    account.failed_logins += 1
    free = current_app.config["LOGIN_FREE_FAILURES"]
    if account.failed_logins >= free:
        step = account.failed_logins - free
        delay = min(30 * (2**step), current_app.config["LOGIN_MAX_DELAY_SECONDS"])
        account.locked_until = now + timedelta(seconds=delay)


def _authenticate(
    session: Session,
    account: Pensioner | StaffUser | None,
    password: str,
    allowed: bool,
    *,
    kind: str,
    ip: str | None,
    now: datetime,
) -> None:
    """Check the password with the growing delay; audit the outcome either way."""
    _check_throttle(account, now)
    ok = verify_password(account.password_hash if account else None, password)
    prefix = "" if kind == "pensioner" else "staff_"
    target = (
        {"target_type": kind, "target_id": account.id} if kind == "pensioner" and account else {}
    )
    if account is None or not ok or not allowed:
        if account is not None:
            _register_failure(account, now)
            audit.record(
                session,
                f"{prefix}login_failed",
                actor_type=kind,
                actor_id=account.id,
                ip=ip,
                **target,
            )
            session.commit()
        raise InvalidCredentials()
    account.failed_logins = 0
    account.locked_until = None
    audit.record(session, f"{prefix}login", actor_type=kind, actor_id=account.id, ip=ip, **target)
    session.commit()


def authenticate_pensioner(
    session: Session,
    dp_number: str,
    password: str,
    *,
    ip: str | None = None,
    now: datetime | None = None,
) -> Pensioner:
    """The pensioner whose DP number and password match, else a named error."""
    dp_number = dp_number.strip().upper()
    pensioner = session.exec(select(Pensioner).where(Pensioner.dp_number == dp_number)).first()
    enrolled = pensioner is not None and pensioner.account_status != AccountStatus.NOT_ENROLLED
    _authenticate(
        session, pensioner, password, enrolled, kind="pensioner", ip=ip, now=now or utcnow()
    )
    assert pensioner is not None
    return pensioner


def authenticate_staff(
    session: Session,
    email: str,
    password: str,
    *,
    ip: str | None = None,
    now: datetime | None = None,
) -> StaffUser:
    """The active staff account with this e-mail and password, else a named error."""
    email = email.strip().lower()
    staff = session.exec(select(StaffUser).where(StaffUser.email == email)).first()
    _authenticate(
        session,
        staff,
        password,
        staff is not None and staff.active,
        kind="staff",
        ip=ip,
        now=now or utcnow(),
    )
    assert staff is not None
    return staff


def change_password(
    session: Session,
    account: Pensioner | StaffUser,
    current: str,
    new: str,
    *,
    ip: str | None = None,
) -> None:
    """Replace the password after checking the current one; ends other sessions."""
    if not verify_password(account.password_hash, current):
        raise WrongPassword()
    account.password_hash = hash_password(new)
    account.auth_epoch += 1
    kind = "pensioner" if isinstance(account, Pensioner) else "staff"
    if isinstance(account, Pensioner):
        account.must_change_password = False
        account.account_status = AccountStatus.ACTIVE.value
        account.updated_at = utcnow()
    audit.record(
        session,
        "password_changed",
        actor_type=kind,
        actor_id=account.id,
        target_type=kind,
        target_id=account.id,
        ip=ip,
    )
    session.commit()
