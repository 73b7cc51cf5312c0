"""The quarterly proof-of-life cycle: campaign windows, statuses, suspension, reinstatement.

A campaign opens on ``PROOF_OPEN_DAY`` of January, April, July and October and
its deadline is ``PROOF_DEADLINE_DAY`` of the same month (local dates, in
Casablanca time). An attestation made later in the quarter still counts for
that quarter's campaign; after the deadline the daily job suspends payment for
those who have not attested, and a later attestation reinstates it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import exists, literal, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..models import (
    AccountStatus,
    Alert,
    AuditEvent,
    Campaign,
    PaymentStatus,
    Pensioner,
    ProofAttempt,
    ProofStatus,
    utcnow,
)
from . import audit, pensioners as pensioner_svc, reminders
from .local_time import local_today

log = logging.getLogger(__name__)
QUARTER_MONTHS = (1, 4, 7, 10)


def quarter_of(day: date) -> str:
    """``2026-04-15`` → ``2026-Q2``."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def window(quarter: str, open_day: int | None = None, deadline_day: int | None = None):
    """The (opens_on, deadline) dates of a quarter's campaign."""
    open_day = open_day or current_app.config["PROOF_OPEN_DAY"]
    deadline_day = deadline_day or current_app.config["PROOF_DEADLINE_DAY"]
    year, q = int(quarter[:4]), int(quarter[-1])
    month = QUARTER_MONTHS[q - 1]
    return date(year, month, open_day), date(year, month, deadline_day)


def campaign_for(session: Session, day: date) -> Campaign:
    """The campaign of ``day``'s quarter, created on first use (safe under races)."""
    quarter = quarter_of(day)
    found = session.exec(select(Campaign).where(Campaign.quarter == quarter)).first()
    if found is not None:
        return found
    opens_on, deadline = window(quarter)
    campaign = Campaign(quarter=quarter, opens_on=opens_on, deadline=deadline)
    try:
        with session.begin_nested():
            session.add(campaign)
    except IntegrityError:
        # Another request created it first: use theirs.
        return session.exec(select(Campaign).where(Campaign.quarter == quarter)).one()
    session.commit()
    return campaign


def status_row(session: Session, pensioner_id: int, campaign_id: int) -> ProofStatus | None:
    """The pensioner's status row for a campaign, if any."""
    return session.exec(
        select(ProofStatus).where(
            ProofStatus.pensioner_id == pensioner_id, ProofStatus.campaign_id == campaign_id
        )
    ).first()


def _status_for_update(session: Session, pensioner_id: int, campaign_id: int) -> ProofStatus:
    row = status_row(session, pensioner_id, campaign_id)
    if row is not None:
        return row
    row = ProofStatus(pensioner_id=pensioner_id, campaign_id=campaign_id)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        row = status_row(session, pensioner_id, campaign_id)
        assert row is not None
    return row


@dataclass(frozen=True)
class HomeStatus:
    """What the home page says about proof of life.

    ``state`` is ``todo`` (« À faire avant le … »), ``attested`` (« Attesté le … »),
    ``late`` (« En retard ») or ``suspended`` (« Paiement suspendu »).
    """

    state: str
    campaign: Campaign
    attested_at: datetime | None = None
    pending_review: bool = False


def home_status(session: Session, pensioner: Pensioner, today: date | None = None) -> HomeStatus:
    """The pensioner's proof-of-life status for the current campaign."""
    from ..models import ProofAttempt

    today = today or local_today()
    campaign = campaign_for(session, today)
    assert pensioner.id is not None and campaign.id is not None  # rows from the database
    row = status_row(session, pensioner.id, campaign.id)
    if row is not None and row.attested_at is not None:
        return HomeStatus("attested", campaign, row.attested_at)
    review = session.exec(
        select(ProofAttempt.id).where(
            ProofAttempt.pensioner_id == pensioner.id,
            ProofAttempt.campaign_id == campaign.id,
            ProofAttempt.decision == "review",
            ProofAttempt.review_decision.is_(None),  # type: ignore[union-attr]
        )
    ).first()
    if pensioner.payment_status == PaymentStatus.SUSPENDED.value:
        state = "suspended"
    elif today > campaign.deadline:
        state = "late"
    else:
        state = "todo"
    return HomeStatus(state, campaign, pending_review=review is not None)


def attest(
    session: Session,
    pensioner: Pensioner,
    campaign: Campaign,
    *,
    attempt_id: int | None,
    method: str,
    actor_type: str = "system",
    actor_id: int | None = None,
) -> bool:
    """Mark the pensioner attested for ``campaign`` and reinstate a suspended payment.

    Idempotent: returns False (and changes nothing) when already attested.
    The caller commits.
    """
    assert pensioner.id is not None and campaign.id is not None  # rows from the database
    row = _status_for_update(session, pensioner.id, campaign.id)
    if row.attested_at is not None:
        return False
    row.attested_at, row.attempt_id, row.method = utcnow(), attempt_id, method
    audit.record(
        session,
        "proof_of_life_attested",
        actor_type=actor_type,
        actor_id=actor_id,
        target_type="pensioner",
        target_id=pensioner.id,
        campaign=campaign.quarter,
        attempt_id=attempt_id,
        method=method,
    )
    if pensioner.payment_status == PaymentStatus.SUSPENDED.value:
        pensioner.payment_status = PaymentStatus.ACTIVE.value
        pensioner.updated_at = utcnow()
        pensioner_svc.add_alert(session, pensioner.id, "payment_reinstated")
        audit.record(
            session,
            "payment_reinstated",
            actor_type="system",
            target_type="pensioner",
            target_id=pensioner.id,
            campaign=campaign.quarter,
        )
    return True


def _ensure_status_rows(session: Session, campaign: Campaign) -> None:
    """One status row per active account for ``campaign`` (one INSERT … SELECT)."""
    P, S = Pensioner.__table__, ProofStatus.__table__  # type: ignore[attr-defined]
    missing = select(P.c.id, literal(campaign.id), literal([], S.c.reminders.type)).where(
        P.c.account_status == AccountStatus.ACTIVE.value,
        ~exists().where(S.c.pensioner_id == P.c.id, S.c.campaign_id == campaign.id),
    )
    session.execute(
        reminders.insert_ignoring(session, S)
        .from_select(["pensioner_id", "campaign_id", "reminders"], missing)
        .on_conflict_do_nothing()
    )


def suspend_late(session: Session, today: date) -> list[str]:
    """After the deadline, suspend every active account not attested. Idempotent.

    A pensioner is suspended at most once per campaign (``suspended_at``), so
    a payment an adviser restored by hand is not suspended again by a re-run;
    one whose selfie waits for an adviser's review is not suspended for the
    fund's delay. A few set-based statements, whatever the number of
    pensioners; returns the DP numbers suspended by this run.
    """
    campaign = campaign_for(session, today)
    if today <= campaign.deadline:
        return []
    P, S = Pensioner.__table__, ProofStatus.__table__  # type: ignore[attr-defined]
    A = ProofAttempt.__table__  # type: ignore[attr-defined]
    now = utcnow()
    _ensure_status_rows(session, campaign)
    waiting = select(A.c.pensioner_id).where(
        A.c.campaign_id == campaign.id, A.c.decision == "review", A.c.review_decision.is_(None)
    )
    late = select(S.c.pensioner_id).where(
        S.c.campaign_id == campaign.id,
        S.c.attested_at.is_(None),
        S.c.suspended_at.is_(None),
        S.c.pensioner_id.not_in(waiting),
    )
    # ORM-enabled updates: objects already loaded in this session see the change.
    sync = {"synchronize_session": "fetch"}
    newly = session.execute(
        update(Pensioner)
        .where(
            col(Pensioner.id).in_(late),
            col(Pensioner.account_status) == AccountStatus.ACTIVE.value,
            col(Pensioner.payment_status) != PaymentStatus.SUSPENDED.value,
        )
        .values(payment_status=PaymentStatus.SUSPENDED.value, updated_at=now)
        .returning(col(Pensioner.id), col(Pensioner.dp_number))
        .execution_options(**sync)
    ).all()
    active = select(P.c.id).where(P.c.account_status == AccountStatus.ACTIVE.value)
    session.execute(
        update(ProofStatus)
        .where(
            col(ProofStatus.campaign_id) == campaign.id,
            col(ProofStatus.attested_at).is_(None),
            col(ProofStatus.suspended_at).is_(None),
            col(ProofStatus.pensioner_id).in_(active),
            col(ProofStatus.pensioner_id).not_in(waiting),
        )
        .values(suspended_at=now)
        .execution_options(**sync)
    )
    if newly:
        params = {"campaign": campaign.quarter}
        session.execute(
            Alert.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "pensioner_id": pid,
                    "kind": "payment_suspended",
                    "params": params,
                    "created_at": now,
                }
                for pid, _ in newly
            ],
        )
        detail = {"campaign": campaign.quarter, "deadline": campaign.deadline.isoformat()}
        session.execute(
            AuditEvent.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "at": now,
                    "actor_type": "system",
                    "action": "payment_suspended",
                    "target_type": "pensioner",
                    "target_id": pid,
                    "detail": detail,
                }
                for pid, _ in newly
            ],
        )
    session.commit()
    reminders.notify_suspended(session, campaign, now)
    if newly:
        log.info("campaign %s: %d payment(s) suspended", campaign.quarter, len(newly))
    return [dp for _, dp in newly]


def send_reminders(session: Session, today: date) -> int:
    """The day's reminder (opening, D-10, D-3, deadline day) to everyone not attested.

    In-app alert always, plus push, SMS or e-mail: see :mod:`.reminders`.
    Exactly once per pensioner, stage and channel; returns the alerts created.
    """
    return reminders.sweep(session, campaign_for(session, today), today)
