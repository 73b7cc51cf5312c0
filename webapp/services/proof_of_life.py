"""Proof of life: challenges, burst uploads, the face job's decision, lost-job recovery.

The flow: :func:`issue_challenge` draws two actions and a single-use nonce;
:func:`accept_upload` checks the burst at the edge, burns the nonce atomically
and stores the frames encrypted in a pending :class:`ProofAttempt`; the face job
calls :func:`decide_attempt`, which runs the face engine and writes the decision
once (a re-run job finds it decided and does nothing). A match attests the
pensioner for the campaign; a grey-zone result waits for an adviser
(:mod:`.proof_review`). Keys and encrypted storage live in :mod:`.proof_store`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, update
from sqlmodel import Session, col, select

import face_engine

from ..db import rows_changed
from ..models import (
    Campaign,
    JobRecord,
    LivenessChallenge,
    Pensioner,
    ProofAttempt,
    utcnow,
)
from ..models.proof import Decision
from . import audit, campaigns, tasks
from .local_time import local_midnight, local_today
from .proof_store import (
    ProofError,
    decrypt_frames,
    encrypt_frames,
    reference_of,
    reference_template,
)

log = logging.getLogger(__name__)


# --- challenge and upload ------------------------------------------------------------------


def attempts_today(session: Session, pensioner_id: int, now: datetime | None = None) -> int:
    """Uploads accepted today (local day), for the daily limit."""
    start = local_midnight(now)
    return session.exec(
        select(func.count())
        .select_from(ProofAttempt)
        .where(ProofAttempt.pensioner_id == pensioner_id, ProofAttempt.created_at >= start)
    ).one()


def check_can_attempt(
    session: Session, pensioner: Pensioner, now: datetime | None = None, *, new_challenge=False
):
    """Raise :class:`ProofError` when the pensioner cannot try now (no reference, limit).

    Challenges are capped too (three per allowed attempt), so a script cannot
    draw nonces without end.
    """
    assert pensioner.id is not None
    if reference_of(session, pensioner.id) is None:
        raise ProofError("no_reference")
    limit = current_app.config["PROOF_DAILY_ATTEMPTS"]
    if attempts_today(session, pensioner.id, now) >= limit:
        raise ProofError("daily_limit")
    if new_challenge:
        issued = session.exec(
            select(func.count())
            .select_from(LivenessChallenge)
            .where(
                LivenessChallenge.pensioner_id == pensioner.id,
                LivenessChallenge.issued_at >= local_midnight(now),
            )
        ).one()
        if issued >= 3 * limit:
            raise ProofError("daily_limit")


def issue_challenge(
    session: Session, pensioner: Pensioner, now: datetime | None = None
) -> LivenessChallenge:
    """Two actions in random order with a fresh nonce, valid ``PROOF_CHALLENGE_SECONDS``."""
    now = now or utcnow()
    try:
        check_can_attempt(session, pensioner, now, new_challenge=True)
    except ProofError as exc:
        log.info("no challenge for %s: %s", pensioner.dp_number, exc.code)
        raise
    ttl = timedelta(seconds=current_app.config["PROOF_CHALLENGE_SECONDS"])
    drawn = face_engine.new_challenge(now=now, ttl=ttl)
    assert pensioner.id is not None
    row = LivenessChallenge(
        pensioner_id=pensioner.id,
        nonce=drawn.nonce,
        actions=list(drawn.actions),
        issued_at=now,
        expires_at=drawn.expires_at,
    )
    session.add(row)
    session.commit()
    return row


_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
}


def validate_frames(files: list[tuple[str, bytes]]) -> list[bytes]:
    """Edge checks on the uploaded frames: count, size, type, obvious truncation.

    ``files`` holds (content type, bytes). Raises :class:`ProofError` with the
    reason code; decoding problems that only show later are the job's.
    """
    cfg = current_app.config
    if len(files) > cfg["PROOF_MAX_FRAMES"]:
        raise ProofError("too_many_frames", count=len(files))
    if len(files) < cfg["PROOF_MIN_FRAMES"]:
        raise ProofError("too_few_frames", count=len(files))
    frames = []
    for content_type, data in files:
        if len(data) > cfg["PROOF_MAX_FRAME_BYTES"]:
            raise ProofError("image_too_large", size=len(data))
        kind = next((k for k, sigs in _MAGIC.items() if data.startswith(sigs)), None)
        if kind is None or (kind == "image/webp" and data[8:12] != b"WEBP"):
            raise ProofError("not_an_image", content_type=content_type)
        # The declared type must agree with the bytes (an untyped blob is judged by them).
        if content_type not in (kind, "", "application/octet-stream"):
            raise ProofError("unsupported_format", content_type=content_type)
        if kind == "image/jpeg" and not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
            raise ProofError("image_truncated")
        frames.append(data)
    return frames


def accept_upload(
    session: Session,
    pensioner: Pensioner,
    nonce: str,
    files: list[tuple[str, bytes]],
    now: datetime | None = None,
) -> ProofAttempt:
    """Validate a burst, burn its nonce (once, atomically) and store a pending attempt."""
    now = now or utcnow()
    try:
        frames = validate_frames(files)
        challenge = session.exec(
            select(LivenessChallenge).where(LivenessChallenge.nonce == (nonce or "")[:64])
        ).first()
        if challenge is None or challenge.pensioner_id != pensioner.id:
            raise ProofError("nonce_unknown")
        if challenge.used_at is not None:
            raise ProofError("nonce_reused")
        if now >= challenge.expires_at:
            raise ProofError("challenge_expired")
        check_can_attempt(session, pensioner, now)
        # The conditional UPDATE is the single-use guarantee: of two concurrent
        # uploads with the same nonce, exactly one sees a row change.
        burned = rows_changed(
            session,
            update(LivenessChallenge)
            .where(col(LivenessChallenge.id) == challenge.id)
            .where(col(LivenessChallenge.used_at).is_(None))
            .values(used_at=now),
        )
        if burned != 1:
            session.rollback()
            raise ProofError("nonce_reused")
    except ProofError as exc:
        log.info("proof upload refused for %s: %s", pensioner.dp_number, exc.code)
        audit.record(
            session,
            "proof_upload_refused",
            actor_type="pensioner",
            actor_id=pensioner.id,
            target_type="pensioner",
            target_id=pensioner.id,
            reason=exc.code,
        )
        session.commit()
        raise
    campaign = campaigns.campaign_for(session, local_today(now))
    assert pensioner.id is not None and campaign.id is not None and challenge.id is not None
    attempt = ProofAttempt(
        pensioner_id=pensioner.id,
        campaign_id=campaign.id,
        challenge_id=challenge.id,
        created_at=now,
        frame_count=len(frames),
        frames=encrypt_frames(frames, challenge.nonce),
    )
    session.add(attempt)
    session.commit()
    return attempt


# --- the decision (run by jobs/face.py) ----------------------------------------------------


def _engine_decision(session: Session, attempt: ProofAttempt, challenge: LivenessChallenge):
    """(decision, distance, liveness dict, reason codes) from the face engine."""
    reference = reference_of(session, attempt.pensioner_id)
    if reference is None:
        return Decision.REFUSED, None, None, ["no_reference"]
    if attempt.frames is None:
        return Decision.REFUSED, None, None, ["frames_unreadable"]
    try:
        frames = decrypt_frames(attempt.frames, challenge.nonce)
        template = reference_template(reference)
    except (ProofError, face_engine.TemplateError) as exc:
        log.error("attempt %s: %s", attempt.id, getattr(exc, "code", exc))
        return Decision.REFUSED, None, None, [getattr(exc, "code", "template_invalid")]
    drawn = face_engine.Challenge(
        (challenge.actions[0], challenge.actions[1]), challenge.nonce, challenge.expires_at
    )
    try:
        # Freshness is judged at upload time: a retried job must not expire it.
        result = face_engine.check_burst(
            frames,
            drawn,
            template,
            now=attempt.created_at,
            config=face_engine.LivenessConfig.from_mapping(current_app.config["FACE_LIVENESS"]),
        )
    except face_engine.PictureRefused as exc:
        return Decision.REFUSED, None, None, [r.code for r in exc.reasons]
    except face_engine.ImageError as exc:
        return Decision.REFUSED, None, None, [exc.code]
    summary = result.to_dict()
    liveness = summary["liveness"]
    match = result.match
    if not current_app.config["PROOF_LIVENESS_REQUIRED"]:
        liveness = {**liveness, "ignored": True}
        if match is None:
            return Decision.LIVENESS_FAILED, None, liveness, summary["reasons"]
        return Decision(match.decision), match.distance, liveness, match.codes
    if not result.liveness.passed:
        return Decision.LIVENESS_FAILED, summary["distance"], liveness, summary["reasons"]
    if match is None or match.decision == "refused":
        return Decision.REFUSED, None, liveness, summary["reasons"] or ["no_face"]
    # A matching face whose liveness is in the grey zone (a turn with too
    # little parallax to tell a head from a card) goes to an adviser.
    return Decision(result.decision), match.distance, liveness, summary["review"]


def decide_attempt(session: Session, attempt_id: int) -> dict:
    """Run the engine on a pending attempt and record its decision exactly once."""
    attempt = session.get(ProofAttempt, attempt_id)
    if attempt is None:
        raise ProofError("attempt_not_found")
    if attempt.decision != Decision.PENDING:
        return _summary(attempt)
    challenge = session.get(LivenessChallenge, attempt.challenge_id)
    assert challenge is not None  # a foreign key
    decision, distance, liveness, reasons = _engine_decision(session, attempt, challenge)
    now = utcnow()
    days = current_app.config["PROOF_DISPUTE_DAYS"]
    values = {
        "decision": decision.value,
        "decided_at": now,
        "distance": None if distance is None else round(float(distance), 4),
        "liveness": liveness,
        "reasons": list(dict.fromkeys(reasons)),
        "frames_purge_after": now + timedelta(days=days),
    }
    if days <= 0:
        values.update(frames=None, frames_purged_at=now)
    # Written only if still pending: two runs of the job record one decision.
    written = rows_changed(
        session,
        update(ProofAttempt)
        .where(col(ProofAttempt.id) == attempt_id)
        .where(col(ProofAttempt.decision) == Decision.PENDING.value)
        .values(**values),
    )
    if written != 1:
        session.rollback()
        session.refresh(attempt)
        return _summary(attempt)
    session.refresh(attempt)
    pensioner = session.get(Pensioner, attempt.pensioner_id)
    audit.record(
        session,
        "proof_attempt_decided",
        actor_type="system",
        target_type="pensioner",
        target_id=attempt.pensioner_id,
        attempt_id=attempt.id,
        decision=decision.value,
        distance=values["distance"],
        reasons=values["reasons"],
    )
    if decision == Decision.MATCH:
        assert pensioner is not None  # a foreign key
        campaign = campaign_of(session, attempt)
        campaigns.attest(session, pensioner, campaign, attempt_id=attempt.id, method="selfie")
    session.commit()
    log.info("attempt %s decided: %s %s", attempt.id, decision.value, values["reasons"])
    return _summary(attempt)


def campaign_of(session: Session, attempt: ProofAttempt) -> Campaign:
    """The campaign an attempt counts for."""
    campaign = session.get(Campaign, attempt.campaign_id)
    assert campaign is not None  # a foreign key
    return campaign


def _summary(attempt: ProofAttempt) -> dict:
    return {"attempt_id": attempt.id, "decision": attempt.decision, "reasons": attempt.reasons}


def start_check(session: Session, attempt: ProofAttempt) -> str:
    """Enqueue the face job for a pending attempt; returns the job id."""
    job_id = tasks.enqueue(
        "face_check",
        "jobs.face:check_attempt",
        attempt.id,
        pensioner_id=attempt.pensioner_id,
        timeout=current_app.config["PROOF_JOB_TIMEOUT"],
    )
    session.execute(
        update(ProofAttempt).where(col(ProofAttempt.id) == attempt.id).values(job_id=job_id)
    )
    session.commit()
    session.refresh(attempt)
    return job_id


def is_stale(job: JobRecord | None, now: datetime | None = None) -> bool:
    """A face job that should have ended long ago (its worker died, say)."""
    if job is None or job.status in ("finished", "failed"):
        return False
    since = job.started_at or job.created_at
    limit = timedelta(seconds=3 * current_app.config["PROOF_JOB_TIMEOUT"] + 180)
    return (now or utcnow()) - since > limit


def recover_stale(
    session: Session, now: datetime | None = None, attempt_id: int | None = None
) -> list[int]:
    """Re-enqueue pending attempts whose job was lost; returns their ids (audited).

    A worker killed mid-job leaves the job row "started" forever; RQ retries it
    when the worker survives, and this catches the rest (run daily, and when
    the pensioner's page polls a job that should have ended long ago).
    """
    query = select(ProofAttempt).where(ProofAttempt.decision == Decision.PENDING.value)
    if attempt_id is not None:
        query = query.where(ProofAttempt.id == attempt_id)
    pending = session.exec(query).all()
    recovered = []
    for attempt in pending:
        job = session.get(JobRecord, attempt.job_id) if attempt.job_id else None
        if attempt.job_id and not is_stale(job, now):
            continue
        if job is not None:
            job.status, job.error_code, job.finished_at = "failed", "lost", now or utcnow()
        audit.record(
            session,
            "proof_job_requeued",
            actor_type="system",
            target_type="pensioner",
            target_id=attempt.pensioner_id,
            attempt_id=attempt.id,
            lost_job=attempt.job_id,
        )
        session.commit()
        start_check(session, attempt)
        assert attempt.id is not None
        recovered.append(attempt.id)
    return recovered
