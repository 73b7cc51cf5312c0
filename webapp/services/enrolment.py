"""Enrolment (« S'inscrire »): one transition table for both procedures.

    passport: terms → privacy → scan → chip → check → contact → code → selfie → done
    agency:   terms → privacy → identity → selfie → contact → code → appointment
              → booked → visit_selfie → adviser_code → done

Forward moves go to the next step only; the few backward moves are listed in
``BACK``; any step may be cancelled. An enrolment resumes at its step for
``ENROL_RESUME_HOURS`` after the last move (``booked``: until 7 days after the
appointment, given by the caller); after that it is ``expired`` and its
biometric columns are emptied. Nothing biometric may be captured before both
consents (``record_consents``): ``advance`` refuses to leave ``privacy`` without them.

API::

    start(db, procedure, ip) -> Enrolment
    current(db, token) -> Enrolment | None
    advance(db, enrolment, to_step, *, expires_at=None, **data)   # StepNotAllowed
    go_back(db, enrolment, to_step)                               # StepNotAllowed
    cancel(db, enrolment) / expire_stale(db, now=None) -> int
    record_terms(db, enrolment, version, ip) / record_consents(db, enrolment,
        terms_version, privacy_version, ip)
    match_pensioner(db, enrolment, pensioner)     # AlreadyEnrolled / EnrolmentInProgress
    code_channel(db, enrolment) -> "sms" | "email"
    code_verified(db, enrolment, code, contact)   # keeps the code as provisional password
    activate(db, enrolment, provisional_password=None, *, ip=None) -> Pensioner

Every function commits.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..models import (
    AccountStatus,
    Enrolment,
    EnrolmentStatus,
    FaceReference,
    Pensioner,
    utcnow,
)
from . import audit
from .enrolment_steps import (  # re-exported: callers use enrolment.StepNotAllowed etc.
    BACK as BACK,
    BEFORE_CONSENT as BEFORE_CONSENT,
    PROCEDURES as PROCEDURES,
    SUPERSEDABLE as SUPERSEDABLE,
    AlreadyEnrolled as AlreadyEnrolled,
    ConsentsMissing as ConsentsMissing,
    EnrolmentError as EnrolmentError,
    EnrolmentExpired as EnrolmentExpired,
    EnrolmentInProgress as EnrolmentInProgress,
    ReferenceMissing as ReferenceMissing,
    StepNotAllowed as StepNotAllowed,
    allowed_moves as allowed_moves,
    steps as steps,
)
from .passwords import hash_password


def code_channel(db: Session, enrolment: Enrolment) -> str:
    """How the contact code travels: by SMS for a Moroccan passport (passport procedure)
    or a resident of Morocco (agency procedure), by e-mail otherwise."""
    data = enrolment.data or {}
    pensioner = db.get(Pensioner, enrolment.pensioner_id) if enrolment.pensioner_id else None
    if enrolment.procedure == "passport":
        nationality = data.get("nationality") or (pensioner.nationality if pensioner else "MAR")
        return "sms" if nationality == "MAR" else "email"
    return "sms" if (pensioner.country if pensioner else "MAR") == "MAR" else "email"


def _resume_window() -> timedelta:
    return timedelta(hours=current_app.config["ENROL_RESUME_HOURS"])


def _live(enrolment: Enrolment, now: datetime) -> None:
    if enrolment.status != EnrolmentStatus.ACTIVE or enrolment.expires_at <= now:
        raise EnrolmentExpired()


def _end(enrolment: Enrolment, status: EnrolmentStatus, now: datetime) -> None:
    """Close the enrolment and drop what it held of biometric data."""
    enrolment.status = status.value
    enrolment.pending_reference = None
    enrolment.reference_photo = None
    enrolment.updated_at = now


def start(db: Session, procedure: str, ip: str | None, *, now: datetime | None = None):
    """A new enrolment at ``terms`` for ``procedure`` (passport | agency)."""
    if procedure not in PROCEDURES:
        raise StepNotAllowed()
    now = now or utcnow()
    enrolment = Enrolment(
        token=secrets.token_urlsafe(32),
        procedure=procedure,
        step=PROCEDURES[procedure][0],
        data={"started_ip": ip},
        created_at=now,
        updated_at=now,
        expires_at=now + _resume_window(),
    )
    db.add(enrolment)
    db.commit()
    return enrolment


def current(db: Session, token: str | None, *, now: datetime | None = None) -> Enrolment | None:
    """The active enrolment for ``token``; None when unknown, finished or expired."""
    if not token:
        return None
    now = now or utcnow()
    enrolment = db.exec(select(Enrolment).where(Enrolment.token == token)).first()
    if enrolment is None or enrolment.status != EnrolmentStatus.ACTIVE:
        return None
    if enrolment.expires_at <= now:
        _end(enrolment, EnrolmentStatus.EXPIRED, now)
        db.commit()
        return None
    return enrolment


def _move(db: Session, enrolment: Enrolment, to_step: str, now, expires_at, data) -> Enrolment:
    enrolment.step = to_step
    if data:
        enrolment.data = {**(enrolment.data or {}), **data}
    enrolment.updated_at = now
    enrolment.expires_at = expires_at or now + _resume_window()
    if to_step == "done":
        _end(enrolment, EnrolmentStatus.DONE, now)
    db.commit()
    return enrolment


def advance(
    db: Session,
    enrolment: Enrolment,
    to_step: str,
    *,
    expires_at: datetime | None = None,
    now: datetime | None = None,
    **data: Any,
) -> Enrolment:
    """Move forward to ``to_step`` (the next step only), merging ``data`` into the row."""
    now = now or utcnow()
    _live(enrolment, now)
    order = PROCEDURES[enrolment.procedure]
    if to_step not in order or order.index(to_step) <= order.index(enrolment.step):
        raise StepNotAllowed()
    if to_step not in allowed_moves(enrolment.procedure, enrolment.step):
        raise StepNotAllowed()
    if to_step not in BEFORE_CONSENT and enrolment.consented_at is None:
        raise ConsentsMissing()
    return _move(db, enrolment, to_step, now, expires_at, data)


def go_back(
    db: Session, enrolment: Enrolment, to_step: str, *, now: datetime | None = None
) -> Enrolment:
    """One of the allowed backward moves (``BACK``), e.g. code → contact."""
    now = now or utcnow()
    _live(enrolment, now)
    if to_step not in BACK.get((enrolment.procedure, enrolment.step), frozenset()):
        raise StepNotAllowed()
    return _move(db, enrolment, to_step, now, None, {})


def cancel(db: Session, enrolment: Enrolment, *, now: datetime | None = None) -> None:
    """The person stops: the enrolment ends and its biometric data is dropped."""
    if enrolment.status == EnrolmentStatus.ACTIVE:
        _end(enrolment, EnrolmentStatus.CANCELLED, now or utcnow())
        db.commit()


def expire_stale(db: Session, now: datetime | None = None) -> int:
    """End every active enrolment past its resume time; returns how many."""
    now = now or utcnow()
    result = db.execute(
        update(Enrolment)
        .where(col(Enrolment.status) == EnrolmentStatus.ACTIVE, col(Enrolment.expires_at) <= now)
        .values(
            status=EnrolmentStatus.EXPIRED.value,
            pending_reference=None,
            reference_photo=None,
            updated_at=now,
        )
    )
    db.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _consent(version: str, ip: str | None, now: datetime) -> dict[str, str | None]:
    return {"version": version, "at": now.isoformat(), "ip": ip}


def record_terms(
    db: Session, enrolment: Enrolment, version: str, ip: str | None, *, now=None
) -> Enrolment:
    """The CGU were accepted (version, time, IP); moves on to ``privacy``."""
    now = now or utcnow()
    enrolment.terms_version = version
    consents = dict((enrolment.data or {}).get("consents", {}))
    consents["terms"] = _consent(version, ip, now)
    return advance(db, enrolment, "privacy", now=now, consents=consents)


def record_consents(
    db: Session,
    enrolment: Enrolment,
    terms_version: str,
    privacy_version: str,
    ip: str | None,
    *,
    now: datetime | None = None,
) -> Enrolment:
    """Both personal-data consents were given: record versions, time and IP, then start."""
    now = now or utcnow()
    _live(enrolment, now)
    if enrolment.step != "privacy":
        raise StepNotAllowed()
    enrolment.terms_version = terms_version
    enrolment.privacy_version = privacy_version
    enrolment.consented_at = now
    enrolment.consent_ip = ip
    consents = dict((enrolment.data or {}).get("consents", {}))
    consents["privacy"] = _consent(privacy_version, ip, now)
    audit.record(
        db,
        "enrolment_consents",
        actor_type="system",
        target_type="enrolment",
        target_id=enrolment.id,
        ip=ip,
        terms=terms_version,
        privacy=privacy_version,
    )
    order = PROCEDURES[enrolment.procedure]
    return advance(db, enrolment, order[order.index("privacy") + 1], now=now, consents=consents)


def match_pensioner(
    db: Session, enrolment: Enrolment, pensioner: Pensioner, *, now: datetime | None = None
) -> Enrolment:
    """Tie the enrolment to the pension file found in the registry.

    An account already opened → ``AlreadyEnrolled``. Another active enrolment
    of the same file: replaced while it has not proven the contact, else
    ``EnrolmentInProgress`` (the partial unique index is the arbiter).
    """
    now = now or utcnow()
    _live(enrolment, now)
    if enrolment.pensioner_id == pensioner.id:
        return enrolment
    if pensioner.account_status == AccountStatus.ACTIVE:
        raise AlreadyEnrolled()
    other = db.exec(
        select(Enrolment).where(
            Enrolment.pensioner_id == pensioner.id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Enrolment.id != enrolment.id,
        )
    ).first()
    if other is not None and (other.step in SUPERSEDABLE or other.expires_at <= now):
        _end(other, EnrolmentStatus.CANCELLED, now)
        other.data = {**(other.data or {}), "superseded_by": enrolment.id}
        db.flush()
    try:
        with db.begin_nested():
            enrolment.pensioner_id = pensioner.id
            enrolment.updated_at = now
    except IntegrityError:
        db.rollback()
        raise EnrolmentInProgress() from None
    audit.record(
        db,
        "enrolment_matched",
        actor_type="system",
        target_type="pensioner",
        target_id=pensioner.id,
        enrolment=enrolment.id,
        procedure=enrolment.procedure,
    )
    db.commit()
    return enrolment


def code_verified(
    db: Session,
    enrolment: Enrolment,
    code: str,
    contact: dict[str, str | None],
    *,
    now: datetime | None = None,
) -> Enrolment:
    """The contact code was right: keep its hash as the provisional password, save the
    proven contact on the pension file, and move on from ``code``."""
    now = now or utcnow()
    _live(enrolment, now)
    if enrolment.step != "code":
        raise StepNotAllowed()
    if enrolment.pensioner_id is not None:
        pensioner = db.get(Pensioner, enrolment.pensioner_id)
        if pensioner is not None:
            pensioner.email = contact.get("email") or pensioner.email
            pensioner.gsm = contact.get("gsm") or pensioner.gsm
            pensioner.updated_at = now
    order = PROCEDURES[enrolment.procedure]
    return advance(
        db,
        enrolment,
        order[order.index("code") + 1],
        now=now,
        provisional_hash=hash_password(code),
        contact_verified_at=now.isoformat(),
    )


def activate(
    db: Session,
    enrolment: Enrolment,
    provisional_password: str | None = None,
    *,
    ip: str | None = None,
    now: datetime | None = None,
) -> Pensioner:
    """Open the account: provisional password (the code, unless given), a new password
    required at first login, ACTIVE; audited; the enrolment ends (``done``).

    The pension file must have its reference face; an account already active is
    never opened twice (one conditional UPDATE).
    """
    now = now or utcnow()
    _live(enrolment, now)
    if enrolment.pensioner_id is None:
        raise StepNotAllowed()
    if (
        db.exec(
            select(FaceReference.id).where(FaceReference.pensioner_id == enrolment.pensioner_id)
        ).first()
        is None
    ):
        raise ReferenceMissing()
    password_hash = (
        hash_password(provisional_password)
        if provisional_password
        else (enrolment.data or {}).get("provisional_hash")
    )
    if not password_hash:
        raise StepNotAllowed()
    table = Pensioner.__table__  # type: ignore[attr-defined]
    opened = db.execute(
        update(table)
        .where(table.c.id == enrolment.pensioner_id, table.c.account_status != AccountStatus.ACTIVE)
        .values(
            account_status=AccountStatus.ACTIVE.value,
            password_hash=password_hash,
            must_change_password=True,
            auth_epoch=table.c.auth_epoch + 1,
            updated_at=now,
        )
        .returning(table.c.id)
    ).first()
    if opened is None:
        db.rollback()
        raise AlreadyEnrolled()
    audit.record(
        db,
        "enrolment_activated",
        actor_type="pensioner",
        actor_id=enrolment.pensioner_id,
        target_type="pensioner",
        target_id=enrolment.pensioner_id,
        ip=ip,
        enrolment=enrolment.id,
        procedure=enrolment.procedure,
    )
    enrolment.step = "done"
    data = dict(enrolment.data or {})
    data.pop("provisional_hash", None)
    enrolment.data = data
    _end(enrolment, EnrolmentStatus.DONE, now)
    db.commit()
    pensioner = db.get(Pensioner, enrolment.pensioner_id, populate_existing=True)
    assert pensioner is not None
    return pensioner
