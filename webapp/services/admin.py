"""Administration of agencies and staff accounts (every change audited)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from ..errors import DomainError
from ..models import Agency, StaffUser
from . import audit
from .passwords import hash_password, temporary_password


class DuplicateEntry(DomainError):
    """A code or e-mail that is already used."""


class CannotDeactivateSelf(DomainError):
    """An administrator tried to deactivate the account they are using."""

    message = _l("Vous ne pouvez pas désactiver votre propre compte.")


def agencies(session: Session) -> list[Agency]:
    """All agencies by city."""
    return list(session.exec(select(Agency).order_by(Agency.city, Agency.name)).all())


def staff_accounts(session: Session) -> list[StaffUser]:
    """All staff accounts by name."""
    return list(session.exec(select(StaffUser).order_by(StaffUser.name)).all())


def create_agency(session: Session, values: dict, *, actor_id: int) -> Agency:
    """Add an agency; codes are unique."""
    if session.exec(select(Agency).where(Agency.code == values["code"])).first():
        raise DuplicateEntry(f"agency code {values['code']} exists")
    agency = Agency(**values)
    session.add(agency)
    session.flush()
    audit.record(
        session,
        "agency_created",
        actor_type="staff",
        actor_id=actor_id,
        target_type="agency",
        target_id=agency.id,
        code=agency.code,
    )
    session.commit()
    return agency


def create_staff(session: Session, values: dict, *, actor_id: int) -> StaffUser:
    """Add a staff account; its temporary password goes to the new member by e-mail.

    The admin never sees it. The account must choose its own password at first
    login (``must_change_password``).
    """
    from ..documents import public_url
    from .notify import notify

    email = values["email"].strip().lower()
    if session.exec(select(StaffUser).where(StaffUser.email == email)).first():
        raise DuplicateEntry(f"staff e-mail {email} exists")
    password = temporary_password(12)
    staff = StaffUser(
        email=email,
        name=values["name"],
        role=values["role"],
        agency_id=values.get("agency_id") or None,
        password_hash=hash_password(password),
        must_change_password=True,
    )
    session.add(staff)
    session.flush()
    audit.record(
        session,
        "staff_created",
        actor_type="staff",
        actor_id=actor_id,
        target_type="staff",
        target_id=staff.id,
        role=staff.role,
    )
    session.commit()
    notify(
        session,
        "staff_welcome",
        destination=email,
        channel="email",
        scope=f"staff:{staff.id}:{staff.auth_epoch}",
        language="fr",
        name=staff.name,
        password=password,
        login_url=public_url("staff.login"),
    )
    return staff


def set_staff_active(session: Session, staff: StaffUser, active: bool, *, actor_id: int) -> None:
    """Deactivate (ending every session) or reactivate a staff account."""
    if staff.id == actor_id and not active:
        raise CannotDeactivateSelf()
    staff.active = active
    staff.auth_epoch += 1
    audit.record(
        session,
        "staff_activated" if active else "staff_deactivated",
        actor_type="staff",
        actor_id=actor_id,
        target_type="staff",
        target_id=staff.id,
    )
    session.commit()
