"""Logging in pensioners and staff, and re-entering the password, through one throttle.

The login service for every kind of account:

    account = authenticate_pensioner(session, dp_number, password, ip=ip)
    account = authenticate_staff(session, email, password, ip=ip)

Each takes the identifier as typed, the password and the client's IP, and
returns the account row or raises a named error: ``InvalidCredentials`` (wrong
identifier or password, unknown, not enrolled or deactivated account: one
message for all) or ``LoginThrottled`` (too many failures from this network for
this identifier, or overall; ``retry_after`` seconds). Both are audited.
Before the password is checked the attempt is counted atomically
(``services.throttle``), so parallel guesses cannot get past the free tries.

``confirm_password`` is the same check for a logged-in account that must type
its password again (e-mail change, password change): same counters, audit rows
``reauth`` / ``reauth_failed``, ``WrongPassword`` or ``LoginThrottled``.
"""

from __future__ import annotations

from sqlmodel import Session, select

from ..errors import InvalidCredentials, LoginThrottled, WrongPassword
from ..models import AccountStatus, Pensioner, StaffUser, utcnow
from . import audit, throttle
from .dp import normalise_dp
from .passwords import hash_password, verify_password

__all__ = [
    "InvalidCredentials",
    "LoginThrottled",
    "WrongPassword",
    "authenticate_pensioner",
    "authenticate_staff",
    "change_password",
    "confirm_password",
]

Account = Pensioner | StaffUser


def _kind(account: Account) -> str:
    return "pensioner" if isinstance(account, Pensioner) else "staff"


def _identifier(account: Account) -> str:
    return account.dp_number if isinstance(account, Pensioner) else account.email


def _audit(session: Session, action: str, account: Account, ip: str | None) -> None:
    kind = _kind(account)
    prefix = "staff_" if kind == "staff" and action.startswith("login") else ""
    audit.record(
        session,
        f"{prefix}{action}",
        actor_type=kind,
        actor_id=account.id,
        target_type=kind if kind == "pensioner" else None,
        target_id=account.id if kind == "pensioner" else None,
        ip=ip,
    )


def _login(
    session: Session,
    kind: str,
    identifier: str,
    account: Account | None,
    allowed: bool,
    password: str,
    ip: str | None,
) -> Account:
    """Count the attempt, check the password (a dummy hash when unknown), audit either way."""
    throttle.count_attempt(session, kind, identifier, ip)
    ok = verify_password(account.password_hash if account else None, password)
    if account is None or not ok or not allowed:
        if account is not None:
            _audit(session, "login_failed", account, ip)
            session.commit()
        raise InvalidCredentials()
    throttle.reset(session, kind, identifier, ip)
    _audit(session, "login", account, ip)
    session.commit()
    return account


def authenticate_pensioner(
    session: Session, dp_number: str, password: str, *, ip: str | None = None
) -> Pensioner:
    """The enrolled pensioner whose DP number and password match, else a named error."""
    dp_number = normalise_dp(dp_number)
    pensioner = session.exec(select(Pensioner).where(Pensioner.dp_number == dp_number)).first()
    enrolled = pensioner is not None and pensioner.account_status != AccountStatus.NOT_ENROLLED
    account = _login(session, "pensioner", dp_number, pensioner, enrolled, password, ip)
    assert isinstance(account, Pensioner)
    return account


def authenticate_staff(
    session: Session, email: str, password: str, *, ip: str | None = None
) -> StaffUser:
    """The active staff account with this e-mail and password, else a named error."""
    email = email.strip().lower()
    staff = session.exec(select(StaffUser).where(StaffUser.email == email)).first()
    allowed = staff is not None and staff.active
    account = _login(session, "staff", email, staff, allowed, password, ip)
    assert isinstance(account, StaffUser)
    return account


def confirm_password(
    session: Session, account: Account, password: str, *, ip: str | None = None
) -> None:
    """A logged-in account types its password again: throttled and audited like a login.

    Raises ``LoginThrottled`` or ``WrongPassword``; commits the audit row.
    """
    kind, identifier = _kind(account), _identifier(account)
    throttle.count_attempt(session, kind, identifier, ip)
    if not verify_password(account.password_hash, password or ""):
        _audit(session, "reauth_failed", account, ip)
        session.commit()
        raise WrongPassword()
    throttle.reset(session, kind, identifier, ip)
    _audit(session, "reauth", account, ip)
    session.commit()


def change_password(
    session: Session, account: Account, current: str, new: str, *, ip: str | None = None
) -> None:
    """Replace the password after ``confirm_password``; ends every other session."""
    confirm_password(session, account, current, ip=ip)
    account.password_hash = hash_password(new)
    account.auth_epoch += 1
    kind = _kind(account)
    if isinstance(account, Pensioner):
        account.must_change_password = False
        account.account_status = AccountStatus.ACTIVE.value
        account.updated_at = utcnow()
    else:
        account.must_change_password = False
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


def end_all_sessions(session: Session, account: Account) -> None:
    """Logout: every session cookie issued to this account stops working (epoch bump)."""
    account.auth_epoch += 1
    session.add(account)
    session.commit()
