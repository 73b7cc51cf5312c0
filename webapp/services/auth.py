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


def authenticate_pensioner(
    session: Session,
    dp_number: str,
    password: str,
    *,
    ip: str | None = None,
    now: datetime | None = None,
) -> Pensioner:
    """The pensioner whose DP number and password match, else a named error."""
    now = now or utcnow()
    dp_number = dp_number.strip().upper()
    pensioner = session.exec(select(Pensioner).where(Pensioner.dp_number == dp_number)).first()
    _check_throttle(pensioner, now)
    ok = verify_password(pensioner.password_hash if pensioner else None, password)
    if pensioner is None or not ok or pensioner.account_status == AccountStatus.NOT_ENROLLED:
        if pensioner is not None:
            _register_failure(pensioner, now)
            audit.record(
                session,
                "login_failed",
                actor_type="pensioner",
                actor_id=pensioner.id,
                target_type="pensioner",
                target_id=pensioner.id,
                ip=ip,
            )
            session.commit()
        raise InvalidCredentials()
    pensioner.failed_logins = 0
    pensioner.locked_until = None
    audit.record(
        session,
        "login",
        actor_type="pensioner",
        actor_id=pensioner.id,
        target_type="pensioner",
        target_id=pensioner.id,
        ip=ip,
    )
    session.commit()
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
    now = now or utcnow()
    email = email.strip().lower()
    staff = session.exec(select(StaffUser).where(StaffUser.email == email)).first()
    _check_throttle(staff, now)
    ok = verify_password(staff.password_hash if staff else None, password)
    if staff is None or not ok or not staff.active:
        if staff is not None:
            _register_failure(staff, now)
            audit.record(
                session, "staff_login_failed", actor_type="staff", actor_id=staff.id, ip=ip
            )
            session.commit()
        raise InvalidCredentials()
    staff.failed_logins = 0
    staff.locked_until = None
    audit.record(session, "staff_login", actor_type="staff", actor_id=staff.id, ip=ip)
    session.commit()
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
