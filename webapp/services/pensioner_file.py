"""The pensioner's file at the staff desk: proof of life, reminders, reference, history.

Also the two desk actions taken from the file: resetting access (a temporary
password sent to the pensioner, never shown to the adviser) and the in-agency
proof of life (the document number typed must be the registry's).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from ..errors import DomainError
from ..models import (
    AuditEvent,
    Campaign,
    FaceReference,
    Notification,
    Pensioner,
    ProofStatus,
    StaffUser,
)
from . import audit, campaigns, notify, proof_store, registry
from .agency_enrol import channel_for
from .appointments import DOCUMENT_TYPES, DocumentMismatch, DocumentMissing, normalise_document
from .local_time import local_today


class AlreadyAttested(DomainError):
    message = _l("La preuve de vie de ce trimestre est déjà enregistrée pour ce dossier.")


class AlreadyEnrolled(DomainError):
    message = _l("Ce dossier a déjà une photo de référence.")


class NoPicture(DomainError):
    message = _l("Prenez la photo de l'allocataire avec la caméra du guichet.")


class NoContact(DomainError):
    message = _l(
        "Aucun numéro de mobile ni adresse e-mail dans le dossier : "
        "le mot de passe provisoire ne peut pas être envoyé."
    )


@dataclass
class CampaignLine:
    """One campaign as the file shows it (``status`` None: nothing recorded yet)."""

    campaign: Campaign
    status: ProofStatus | None
    current: bool


@dataclass
class TrailLine:
    """One audit event with the adviser's name (when a staff member did it)."""

    event: AuditEvent
    staff_name: str | None


def proof_history(session: Session, pensioner_id: int) -> list[CampaignLine]:
    """The current campaign first (even without a status row), then past ones, newest first."""
    current = campaigns.campaign_for(session, local_today())
    rows = session.exec(
        select(Campaign, ProofStatus)
        .join(ProofStatus, col(ProofStatus.campaign_id) == Campaign.id)
        .where(ProofStatus.pensioner_id == pensioner_id)
        .order_by(col(Campaign.quarter).desc())
    ).all()
    by_id = {c.id: s for c, s in rows}
    lines = [CampaignLine(current, by_id.get(current.id), True)]
    lines += [CampaignLine(c, s, False) for c, s in rows if c.id != current.id]
    return lines


def reminders(session: Session, pensioner_id: int, limit: int = 30) -> list[Notification]:
    """Proof-of-life messages sent or queued for this pensioner, newest first."""
    return list(
        session.exec(
            select(Notification)
            .where(Notification.pensioner_id == pensioner_id)
            .where(col(Notification.kind).startswith("pol_"))
            .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
            .limit(limit)
        ).all()
    )


def reference(session: Session, pensioner_id: int) -> FaceReference | None:
    """The reference face row (its source and date; the template is never shown)."""
    return session.exec(
        select(FaceReference).where(FaceReference.pensioner_id == pensioner_id)
    ).first()


def trail(session: Session, pensioner_id: int, limit: int = 100) -> list[TrailLine]:
    """Events about this pensioner, newest first, with the names of the advisers."""
    rows = session.exec(
        select(AuditEvent, StaffUser.name)  # type: ignore[call-overload]
        .outerjoin(
            StaffUser,
            (col(AuditEvent.actor_type) == "staff") & (col(AuditEvent.actor_id) == StaffUser.id),
        )
        .where(AuditEvent.target_type == "pensioner", AuditEvent.target_id == pensioner_id)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    ).all()
    return [TrailLine(event, name) for event, name in rows]


def staff_audit(
    session: Session, action: str, staff: StaffUser, pensioner: Pensioner, ip, **detail
) -> None:
    audit.record(
        session,
        action,
        actor_type="staff",
        actor_id=staff.id,
        target_type="pensioner",
        target_id=pensioner.id,
        ip=ip,
        agency_id=staff.agency_id,
        staff_name=staff.name,
        **detail,
    )


def reset_access(
    session: Session, staff: StaffUser, pensioner: Pensioner, *, ip: str | None = None
) -> str:
    """A temporary password sent to the pensioner (SMS in Morocco, e-mail abroad).

    Returns the channel used; the password itself never leaves this function
    except inside the message. The pensioner must change it at next login.
    """
    channel = channel_for(pensioner)
    if channel == "sms" and not pensioner.gsm and pensioner.email:
        channel = "email"
    elif channel == "email" and not pensioner.email and pensioner.gsm:
        channel = "sms"
    if not (pensioner.gsm if channel == "sms" else pensioner.email):
        raise NoContact()
    password = registry.reset_password(
        session,
        pensioner,
        actor_type="staff",
        actor_id=staff.id,
        ip=ip,
        agency_id=staff.agency_id,
        staff_name=staff.name,
        channel=channel,
    )
    notify.notify(
        session,
        "access_reset",
        pensioner=pensioner,
        channel=channel,
        scope=f"reset:{secrets.token_hex(8)}",
        password=password,
    )
    return channel


def _check_document(
    session: Session,
    staff: StaffUser,
    pensioner: Pensioner,
    document_type: str,
    number: str,
    *,
    refused: str,
    ip: str | None,
    **detail,
) -> None:
    """The number typed must be the registry's CIN or passport; a wrong one is audited."""
    expected = pensioner.id_number if document_type == "cin" else pensioner.passport_number
    if document_type not in DOCUMENT_TYPES or not expected:
        raise DocumentMissing()
    if normalise_document(number) != normalise_document(expected):
        staff_audit(session, refused, staff, pensioner, ip, document_type=document_type, **detail)
        session.commit()
        raise DocumentMismatch()


def attest_in_agency(
    session: Session,
    staff: StaffUser,
    pensioner: Pensioner,
    document_type: str,
    number: str,
    *,
    ip: str | None = None,
) -> Campaign:
    """The adviser saw the pensioner with a document whose number is the registry's: attested.

    A wrong number is refused (and audited); nothing is recorded.
    """
    campaign = campaigns.campaign_for(session, local_today())
    _check_document(
        session,
        staff,
        pensioner,
        document_type,
        number,
        refused="proof_agency_refused",
        ip=ip,
        campaign=campaign.quarter,
    )
    staff_audit(
        session,
        "proof_agency_visit",
        staff,
        pensioner,
        ip,
        document_type=document_type,
        campaign=campaign.quarter,
    )
    if not campaigns.attest(
        session,
        pensioner,
        campaign,
        attempt_id=None,
        method="agency",
        actor_type="staff",
        actor_id=staff.id,
    ):
        session.rollback()
        raise AlreadyAttested()
    session.commit()
    return campaign


def enrol_at_desk(
    session: Session,
    staff: StaffUser,
    pensioner: Pensioner,
    document_type: str,
    number: str,
    picture: bytes,
    *,
    ip: str | None = None,
) -> FaceReference:
    """A reference photo taken with the desk's camera, after the same identity check.

    Only for a file without a reference. The picture is encoded and kept only as
    the encrypted template (``proof_store``); the engine's ``PictureRefused`` /
    ``ImageError`` go through to the caller, nothing stored.
    """
    assert pensioner.id is not None
    if reference(session, pensioner.id) is not None:
        raise AlreadyEnrolled()
    _check_document(
        session, staff, pensioner, document_type, number, refused="desk_enrolment_refused", ip=ip
    )
    if not picture:
        raise NoPicture()
    row = proof_store.set_reference(
        session, pensioner, picture, "desk", actor_type="staff", actor_id=staff.id
    )
    staff_audit(session, "desk_enrolment", staff, pensioner, ip, document_type=document_type)
    session.commit()
    return row
