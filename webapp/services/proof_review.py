"""Human decisions on proof of life: the grey-zone review queue and agency visits.

Every decision is made by a named adviser with a reason, audited, and told to
the pensioner; an approval or an agency visit attests for the campaign (and
reinstates a suspended payment).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from ..models import LivenessChallenge, Pensioner, ProofAttempt, utcnow
from ..models.proof import Decision
from . import audit, campaigns, pensioners as pensioner_svc, proof_store
from .proof_of_life import campaign_of
from .proof_store import ProofError


def review_queue(session: Session) -> list[tuple[ProofAttempt, Pensioner]]:
    """Grey-zone attempts waiting for a human decision, oldest first."""
    rows = session.exec(
        select(ProofAttempt, Pensioner)
        .join(Pensioner, col(Pensioner.id) == ProofAttempt.pensioner_id)
        .where(ProofAttempt.decision == Decision.REVIEW.value)
        .where(col(ProofAttempt.review_decision).is_(None))
        .order_by(col(ProofAttempt.created_at))
    ).all()
    return list(rows)


def attempt_for_review(
    session: Session, attempt_id: int, *, staff_id: int | None = None, ip: str | None = None
) -> tuple[ProofAttempt, Pensioner] | None:
    """The attempt and its pensioner for the review page, or None.

    With ``staff_id``, the adviser opening it is audited (biometric data shown).
    """
    attempt = session.get(ProofAttempt, attempt_id)
    if attempt is None:
        return None
    pensioner = session.get(Pensioner, attempt.pensioner_id)
    if pensioner is None:
        return None
    if staff_id is not None:
        audit.record(
            session,
            "staff_review_viewed",
            actor_type="staff",
            actor_id=staff_id,
            target_type="pensioner",
            target_id=attempt.pensioner_id,
            ip=ip,
            attempt_id=attempt.id,
        )
        session.commit()
    return attempt, pensioner


def review_frame(
    session: Session, attempt_id: int, index: int, *, staff_id: int, ip: str | None = None
) -> bytes:
    """One decrypted frame of an attempt for the reviewer, audited (ProofError when gone)."""
    attempt = session.get(ProofAttempt, attempt_id)
    if attempt is None:
        raise ProofError("attempt_not_found")
    challenge = session.get(LivenessChallenge, attempt.challenge_id)
    if challenge is None:
        raise ProofError("frames_unreadable")
    data = proof_store.frame_as_data(attempt, challenge, index)
    audit.record(
        session,
        "staff_view_frame",
        actor_type="staff",
        actor_id=staff_id,
        target_type="pensioner",
        target_id=attempt.pensioner_id,
        ip=ip,
        attempt_id=attempt.id,
        frame=index,
    )
    session.commit()
    return data


def review(
    session: Session, attempt_id: int, *, staff_id: int, approve: bool, reason: str, ip=None
) -> ProofAttempt:
    """An adviser approves (= attested) or rejects a grey-zone attempt, with a reason."""
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise ProofError("review_reason_required")
    attempt = session.get(ProofAttempt, attempt_id)
    if attempt is None or attempt.decision != Decision.REVIEW.value:
        raise ProofError("attempt_not_found")
    if attempt.review_decision is not None:
        raise ProofError("already_reviewed")
    attempt.reviewer_id, attempt.reviewed_at = staff_id, utcnow()
    attempt.review_decision = "approved" if approve else "rejected"
    attempt.review_reason = reason[:500]
    audit.record(
        session,
        "proof_review_" + attempt.review_decision,
        actor_type="staff",
        actor_id=staff_id,
        target_type="pensioner",
        target_id=attempt.pensioner_id,
        ip=ip,
        attempt_id=attempt.id,
        reason=attempt.review_reason,
    )
    # A code only: the alert is worded at display time in the reader's language
    # (templates/space/_alert_text.html, the one catalogue).
    pensioner_svc.add_alert(session, attempt.pensioner_id, "pol_review_" + attempt.review_decision)
    if approve:
        pensioner = session.get(Pensioner, attempt.pensioner_id)
        assert pensioner is not None  # a foreign key
        campaigns.attest(
            session,
            pensioner,
            campaign_of(session, attempt),
            attempt_id=attempt.id,
            method="review",
            actor_type="staff",
            actor_id=staff_id,
        )
    session.commit()
    return attempt
