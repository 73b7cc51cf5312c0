"""Proof of life: references, challenges, burst uploads, decisions, staff review, purge.

The flow: :func:`issue_challenge` draws two actions and a single-use nonce;
:func:`accept_upload` checks the burst at the edge, burns the nonce atomically
and stores the frames encrypted in a pending :class:`ProofAttempt`; the face job
calls :func:`decide_attempt`, which runs the face engine and writes the decision
once (a re-run job finds it decided and does nothing). A match attests the
pensioner for the campaign; a grey-zone result waits for :func:`review`.
"""

from __future__ import annotations

import base64
import logging
import os
import struct
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import func, update
from sqlmodel import Session, col, select

import face_engine

from ..errors import DomainError
from ..i18n import LOCAL_TZ
from ..models import (
    FaceReference,
    JobRecord,
    LivenessChallenge,
    Pensioner,
    ProofAttempt,
    utcnow,
)
from ..models.proof import Decision
from . import audit, campaigns
from . import pensioners as pensioner_svc

log = logging.getLogger(__name__)
_warned_dev_key = False
_FRAMES_VERSION = 1


class ProofError(DomainError):
    """A proof-of-life step refused; ``code`` names the reason (see ``webapp.proof.messages``)."""

    def __init__(self, code: str, **details):
        super().__init__(code, **details)
        self.code = code


# --- keys and encryption -------------------------------------------------------------------


def template_key() -> bytes:
    """The AES key for templates: ``TEMPLATE_KEY``, or (dev only) derived from SECRET_KEY."""
    global _warned_dev_key
    configured = current_app.config.get("TEMPLATE_KEY")
    if configured:
        from face_engine.templates import load_key

        return load_key(configured)
    if os.environ.get("APP_ENV") == "production":
        raise RuntimeError("TEMPLATE_KEY must be set in production")
    if not _warned_dev_key:
        log.warning("TEMPLATE_KEY is not set: deriving it from SECRET_KEY (development only)")
        _warned_dev_key = True
    return _hkdf(current_app.config["SECRET_KEY"].encode(), b"dialvie template key")


def _frames_key() -> bytes:
    return _hkdf(template_key(), b"dialvie frames key")


def _hkdf(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


def _reference_ad(pensioner_id: int) -> bytes:
    return f"pensioner:{pensioner_id}".encode()


def encrypt_frames(frames: list[bytes], binding: str) -> bytes:
    """Length-prefixed frames sealed with AES-GCM; ``binding`` (the nonce) is authenticated."""
    plain = b"".join(struct.pack(">I", len(f)) + f for f in frames)
    nonce = os.urandom(12)
    sealed = AESGCM(_frames_key()).encrypt(nonce, plain, binding.encode())
    return bytes([_FRAMES_VERSION]) + nonce + sealed


def decrypt_frames(blob: bytes, binding: str) -> list[bytes]:
    """Inverse of :func:`encrypt_frames`."""
    if not blob or blob[0] != _FRAMES_VERSION:
        raise ProofError("frames_unreadable")
    try:
        plain = AESGCM(_frames_key()).decrypt(blob[1:13], blob[13:], binding.encode())
    except InvalidTag as exc:
        raise ProofError("frames_unreadable") from exc
    frames, at = [], 0
    while at < len(plain):
        (size,) = struct.unpack_from(">I", plain, at)
        frames.append(plain[at + 4 : at + 4 + size])
        at += 4 + size
    return frames


# --- references ----------------------------------------------------------------------------


def reference_of(session: Session, pensioner_id: int) -> FaceReference | None:
    """The pensioner's reference row, if enrolled."""
    return session.exec(
        select(FaceReference).where(FaceReference.pensioner_id == pensioner_id)
    ).first()


def set_reference(session: Session, pensioner: Pensioner, picture: bytes, source: str):
    """Encode ``picture`` and store it encrypted as the pensioner's reference (replaces any).

    Raises the engine's :class:`~face_engine.PictureRefused` or ``ImageError``.
    """
    template = face_engine.encode_reference(picture)
    sealed = face_engine.encrypt_template(
        template, template_key(), associated_data=_reference_ad(pensioner.id)
    )
    row = reference_of(session, pensioner.id) or FaceReference(
        pensioner_id=pensioner.id, template=sealed, source=source
    )
    row.template, row.source, row.created_at = sealed, source, utcnow()
    session.add(row)
    audit.record(
        session,
        "face_reference_set",
        actor_type="operator",
        target_type="pensioner",
        target_id=pensioner.id,
        source=source,
    )
    session.commit()
    return row


def astronaut_jpeg() -> bytes:
    """Eileen Collins (``skimage.data.astronaut``) as JPEG: a demo face shipped offline."""
    import io

    import skimage.data
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(skimage.data.astronaut()).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def reference_template(row: FaceReference):
    """The decrypted 128-float template."""
    return face_engine.decrypt_template(
        row.template, template_key(), associated_data=_reference_ad(row.pensioner_id)
    )


# --- challenge and upload ------------------------------------------------------------------


def attempts_today(session: Session, pensioner_id: int, now: datetime | None = None) -> int:
    """Uploads accepted today (local day), for the daily limit."""
    start = _local_midnight(now)
    return session.exec(
        select(func.count())
        .select_from(ProofAttempt)
        .where(ProofAttempt.pensioner_id == pensioner_id, ProofAttempt.created_at >= start)
    ).one()


def _local_midnight(now: datetime | None) -> datetime:
    local = (now or utcnow()).astimezone(LOCAL_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def check_can_attempt(
    session: Session, pensioner: Pensioner, now: datetime | None = None, *, new_challenge=False
):
    """Raise :class:`ProofError` when the pensioner cannot try now (no reference, limit).

    Challenges are capped too (three per allowed attempt), so a script cannot
    draw nonces without end.
    """
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
                LivenessChallenge.issued_at >= _local_midnight(now),
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
        burned = session.execute(
            update(LivenessChallenge)
            .where(col(LivenessChallenge.id) == challenge.id)
            .where(col(LivenessChallenge.used_at).is_(None))
            .values(used_at=now)
        )
        if burned.rowcount != 1:
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
    campaign = campaigns.campaign_for(session, campaigns.local_today(now))
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
        result = face_engine.check_burst(frames, drawn, template, now=attempt.created_at)
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
    return Decision(match.decision), match.distance, liveness, []


def decide_attempt(session: Session, attempt_id: int) -> dict:
    """Run the engine on a pending attempt and record its decision exactly once."""
    attempt = session.get(ProofAttempt, attempt_id)
    if attempt is None:
        raise ProofError("attempt_not_found")
    if attempt.decision != Decision.PENDING:
        return _summary(attempt)
    challenge = session.get(LivenessChallenge, attempt.challenge_id)
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
    written = session.execute(
        update(ProofAttempt)
        .where(col(ProofAttempt.id) == attempt_id)
        .where(col(ProofAttempt.decision) == Decision.PENDING.value)
        .values(**values)
    )
    if written.rowcount != 1:
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
        campaign = _campaign(session, attempt)
        campaigns.attest(session, pensioner, campaign, attempt_id=attempt.id, method="selfie")
    session.commit()
    log.info("attempt %s decided: %s %s", attempt.id, decision.value, values["reasons"])
    return _summary(attempt)


def _campaign(session: Session, attempt: ProofAttempt):
    from ..models import Campaign

    return session.get(Campaign, attempt.campaign_id)


def _summary(attempt: ProofAttempt) -> dict:
    return {"attempt_id": attempt.id, "decision": attempt.decision, "reasons": attempt.reasons}


def start_check(session: Session, attempt: ProofAttempt) -> str:
    """Enqueue the face job for a pending attempt; returns the job id."""
    from jobs import face as face_jobs
    from jobs.queue import enqueue

    job_id = enqueue(
        "face_check",
        face_jobs.check_attempt,
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
        recovered.append(attempt.id)
    return recovered


# --- staff review and purge ----------------------------------------------------------------


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
    # Worded in French, the fund's language, until the alert list knows this kind.
    pensioner_svc.add_alert(
        session,
        attempt.pensioner_id,
        "pol_review_" + attempt.review_decision,
        title="Preuve de vie vérifiée" if approve else "Preuve de vie non acceptée",
        body=(
            "Un conseiller a confirmé votre preuve de vie. Merci."
            if approve
            else "Un conseiller n'a pas pu confirmer votre identité. Recommencez ou "
            "prenez rendez-vous en agence."
        ),
    )
    if approve:
        pensioner = session.get(Pensioner, attempt.pensioner_id)
        campaigns.attest(
            session,
            pensioner,
            _campaign(session, attempt),
            attempt_id=attempt.id,
            method="review",
            actor_type="staff",
            actor_id=staff_id,
        )
    session.commit()
    return attempt


def attest_at_agency(
    session: Session, dp_number: str, *, staff_id: int, document: str, ip=None
) -> Pensioner:
    """An adviser saw the pensioner in person with an identity document: attested."""
    document = (document or "").strip()
    if len(document) < 3:
        raise ProofError("review_reason_required")
    pensioner = session.exec(
        select(Pensioner).where(Pensioner.dp_number == (dp_number or "").strip().upper())
    ).first()
    if pensioner is None:
        raise ProofError("pensioner_not_found")
    campaign = campaigns.campaign_for(session, campaigns.local_today())
    audit.record(
        session,
        "proof_agency_visit",
        actor_type="staff",
        actor_id=staff_id,
        target_type="pensioner",
        target_id=pensioner.id,
        ip=ip,
        document=document[:200],
        campaign=campaign.quarter,
    )
    if not campaigns.attest(
        session,
        pensioner,
        campaign,
        attempt_id=None,
        method="agency",
        actor_type="staff",
        actor_id=staff_id,
    ):
        session.rollback()
        raise ProofError("already_attested")
    session.commit()
    return pensioner


def purge_frames(session: Session, now: datetime | None = None) -> int:
    """Empty the frames of attempts past their dispute window; returns how many."""
    now = now or utcnow()
    result = session.execute(
        update(ProofAttempt)
        .where(col(ProofAttempt.frames).is_not(None))
        .where(col(ProofAttempt.frames_purge_after) <= now)
        .values(frames=None, frames_purged_at=now)
    )
    session.commit()
    if result.rowcount:
        log.info("purged the frames of %d attempt(s)", result.rowcount)
    return result.rowcount


def frame_as_data(attempt: ProofAttempt, challenge: LivenessChallenge, index: int) -> bytes:
    """One decrypted frame for the reviewer (raises ProofError when gone)."""
    if attempt.frames is None:
        raise ProofError("frames_unreadable")
    frames = decrypt_frames(attempt.frames, challenge.nonce)
    if not 0 <= index < len(frames):
        raise ProofError("frames_unreadable")
    return frames[index]


def new_template_key() -> str:
    """A random key for ``TEMPLATE_KEY`` (base64)."""
    return base64.b64encode(os.urandom(32)).decode()
