"""The enrolment selfie, shared by both procedures: challenge, burst, the face job's decision.

The camera page is proof of life's (``static/js/camera.js``, its liveness
challenge); what the burst is compared with depends on the enrolment
(:func:`mode_for`):

- ``against_photo`` (passport): the chip's DG2 photo, kept encrypted on the
  enrolment; on a match the photo's template becomes the pensioner's
  :class:`FaceReference` (source ``passport``) and the photo is deleted;
- ``pending`` (agency, at home): liveness and quality only; the burst's template
  is kept encrypted as ``Enrolment.pending_reference`` (not trusted yet);
- ``against_pending`` (agency visit): the pending template; on a match it
  becomes the reference (source ``agency``).

:func:`submit` burns the challenge's nonce once (conditional UPDATE) and stores
the frames encrypted; the job (:mod:`jobs.enrol_face`) calls :func:`decide`,
which writes the decision exactly once and empties the frames. Attempts are
capped per pensioner and local day (``ENROL_SELFIE_DAILY_ATTEMPTS``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import CursorResult, func, update
from sqlmodel import Session, col, select

import face_engine

from ..models import (
    Enrolment,
    EnrolSelfie,
    FaceReference,
    LivenessChallenge,
    SelfieMode,
    utcnow,
)
from ..models.proof import Decision, ReferenceSource
from . import audit, tasks
from .local_time import local_midnight
from .proof_of_life import validate_frames
from .proof_store import ProofError, decrypt_frames, encrypt_frames, template_key

log = logging.getLogger(__name__)


class SelfieError(ProofError):
    """An enrolment selfie refused; ``code`` is a proof-of-life reason code or one of
    ``not_matched`` (no pensioner yet), ``photo_missing`` (no chip photo)."""


# --- keys and storage ---------------------------------------------------------------------


def _photo_binding(enrolment: Enrolment) -> str:
    return f"enrolment:{enrolment.id}:photo"


def _pending_ad(enrolment: Enrolment) -> bytes:
    return f"enrolment:{enrolment.id}:pending".encode()


def _reference_ad(pensioner_id: int) -> bytes:
    # The same binding as proof_store's references: the row cannot be copied.
    return f"pensioner:{pensioner_id}".encode()


def seal_photo(enrolment: Enrolment, photo: bytes) -> bytes:
    """The chip photo encrypted for ``Enrolment.reference_photo`` (bound to the enrolment)."""
    return encrypt_frames([photo], _photo_binding(enrolment))


def open_photo(enrolment: Enrolment) -> bytes:
    """The decrypted chip photo; :class:`SelfieError` ``photo_missing`` when gone."""
    if not enrolment.reference_photo:
        raise SelfieError("photo_missing")
    try:
        return decrypt_frames(enrolment.reference_photo, _photo_binding(enrolment))[0]
    except (ProofError, IndexError) as exc:
        raise SelfieError("photo_missing") from exc


def mode_for(enrolment: Enrolment) -> SelfieMode:
    """What this enrolment's selfie is compared with."""
    if enrolment.procedure == "passport":
        return SelfieMode.AGAINST_PHOTO
    if enrolment.step == "visit_selfie":
        return SelfieMode.AGAINST_PENDING
    return SelfieMode.PENDING


# --- challenge and upload -----------------------------------------------------------------


def attempts_today(session: Session, pensioner_id: int, now: datetime | None = None) -> int:
    """Enrolment selfies uploaded today (local day), for the daily limit."""
    return session.exec(
        select(func.count())
        .select_from(EnrolSelfie)
        .where(
            EnrolSelfie.pensioner_id == pensioner_id,
            EnrolSelfie.created_at >= local_midnight(now),
        )
    ).one()


def check_can_try(
    session: Session, enrolment: Enrolment, now: datetime | None = None, *, new_challenge=False
) -> None:
    """Raise :class:`SelfieError` when no selfie may be taken now (no pensioner, limit)."""
    if enrolment.pensioner_id is None:
        raise SelfieError("not_matched")
    if mode_for(enrolment) == SelfieMode.AGAINST_PHOTO and not enrolment.reference_photo:
        raise SelfieError("photo_missing")
    limit = current_app.config["ENROL_SELFIE_DAILY_ATTEMPTS"]
    if attempts_today(session, enrolment.pensioner_id, now) >= limit:
        raise SelfieError("daily_limit")
    if new_challenge:
        issued = session.exec(
            select(func.count())
            .select_from(LivenessChallenge)
            .where(
                LivenessChallenge.pensioner_id == enrolment.pensioner_id,
                LivenessChallenge.issued_at >= local_midnight(now),
            )
        ).one()
        # Proof of life's challenges count too: both share the pensioner's nonces.
        if issued >= 3 * (limit + current_app.config["PROOF_DAILY_ATTEMPTS"]):
            raise SelfieError("daily_limit")


def start_challenge(
    session: Session, enrolment: Enrolment, now: datetime | None = None
) -> LivenessChallenge:
    """Two liveness actions and a single-use nonce for this enrolment's pensioner."""
    now = now or utcnow()
    check_can_try(session, enrolment, now, new_challenge=True)
    ttl = timedelta(seconds=current_app.config["PROOF_CHALLENGE_SECONDS"])
    drawn = face_engine.new_challenge(now=now, ttl=ttl)
    assert enrolment.pensioner_id is not None
    row = LivenessChallenge(
        pensioner_id=enrolment.pensioner_id,
        nonce=drawn.nonce,
        actions=list(drawn.actions),
        issued_at=now,
        expires_at=drawn.expires_at,
    )
    session.add(row)
    session.commit()
    return row


def submit(
    session: Session,
    enrolment: Enrolment,
    nonce: str,
    files: list[tuple[str, bytes]],
    now: datetime | None = None,
) -> EnrolSelfie:
    """Check the burst, burn its nonce, store it encrypted and start the face job.

    ``files`` holds (content type, bytes). Returns the selfie row (``job_id`` set).
    """
    now = now or utcnow()
    frames = validate_frames(files)
    challenge = session.exec(
        select(LivenessChallenge).where(LivenessChallenge.nonce == (nonce or "")[:64])
    ).first()
    if challenge is None or challenge.pensioner_id != enrolment.pensioner_id:
        raise SelfieError("nonce_unknown")
    if challenge.used_at is not None:
        raise SelfieError("nonce_reused")
    if now >= challenge.expires_at:
        raise SelfieError("challenge_expired")
    check_can_try(session, enrolment, now)
    burned: CursorResult = session.execute(  # type: ignore[assignment]
        update(LivenessChallenge)
        .where(col(LivenessChallenge.id) == challenge.id)
        .where(col(LivenessChallenge.used_at).is_(None))
        .values(used_at=now)
    )
    if burned.rowcount != 1:
        session.rollback()
        raise SelfieError("nonce_reused")
    assert enrolment.id is not None and enrolment.pensioner_id is not None
    assert challenge.id is not None
    selfie = EnrolSelfie(
        enrolment_id=enrolment.id,
        pensioner_id=enrolment.pensioner_id,
        challenge_id=challenge.id,
        mode=mode_for(enrolment).value,
        created_at=now,
        frame_count=len(frames),
        frames=encrypt_frames(frames, challenge.nonce),
    )
    session.add(selfie)
    session.commit()
    start_check(session, selfie)
    return selfie


def start_check(session: Session, selfie: EnrolSelfie) -> str:
    """Enqueue the face job for a pending selfie; returns the job id."""
    job_id = tasks.enqueue(
        "enrol_face",
        "jobs.enrol_face:check_selfie",
        selfie.id,
        pensioner_id=selfie.pensioner_id,
        timeout=current_app.config["PROOF_JOB_TIMEOUT"],
    )
    session.execute(
        update(EnrolSelfie).where(col(EnrolSelfie.id) == selfie.id).values(job_id=job_id)
    )
    session.commit()
    session.refresh(selfie)
    return job_id


def latest(session: Session, enrolment: Enrolment) -> EnrolSelfie | None:
    """The enrolment's most recent selfie, if any."""
    return session.exec(
        select(EnrolSelfie)
        .where(EnrolSelfie.enrolment_id == enrolment.id)
        .order_by(col(EnrolSelfie.id).desc())
    ).first()


# --- the decision (run by jobs/enrol_face.py) ---------------------------------------------


def _reference_for(session: Session, enrolment: Enrolment, mode: str):
    """The template the burst is compared with, or None in ``pending`` mode."""
    if mode == SelfieMode.AGAINST_PHOTO:
        return face_engine.encode_reference(open_photo(enrolment))
    if mode == SelfieMode.AGAINST_PENDING:
        if not enrolment.pending_reference:
            raise SelfieError("no_reference")
        return face_engine.decrypt_template(
            enrolment.pending_reference, template_key(), associated_data=_pending_ad(enrolment)
        )
    return None


def _engine_decision(session: Session, selfie: EnrolSelfie, enrolment: Enrolment):
    """(decision, distance, liveness, reasons, template to keep or None)."""
    challenge = session.get(LivenessChallenge, selfie.challenge_id)
    if selfie.frames is None or challenge is None:
        return Decision.REFUSED, None, None, ["frames_unreadable"], None
    try:
        frames = decrypt_frames(selfie.frames, challenge.nonce)
        reference = _reference_for(session, enrolment, selfie.mode)
        if reference is None:  # pending: the burst is matched with its own middle frame
            reference = face_engine.encode_reference(frames[len(frames) // 2])
            # The adviser sees this frame beside the file at the visit; sealed like the
            # chip photo, dropped when the visit's selfie matches or the enrolment ends.
            enrolment.reference_photo = seal_photo(enrolment, frames[len(frames) // 2])
    except face_engine.PictureRefused as exc:
        return Decision.REFUSED, None, None, [r.code for r in exc.reasons], None
    except (ProofError, face_engine.FaceEngineError) as exc:
        code = getattr(exc, "code", "template_invalid")
        log.info("enrol selfie %s: %s", selfie.id, code)
        return Decision.REFUSED, None, None, [code], None
    drawn = face_engine.Challenge(
        (challenge.actions[0], challenge.actions[1]), challenge.nonce, challenge.expires_at
    )
    required = current_app.config["PROOF_LIVENESS_REQUIRED"]
    try:
        result = face_engine.check_burst(
            frames,
            drawn,
            reference,
            now=selfie.created_at,
            require_actions=required,
            config=face_engine.LivenessConfig.from_mapping(current_app.config["FACE_LIVENESS"]),
        )
    except face_engine.PictureRefused as exc:
        return Decision.REFUSED, None, None, [r.code for r in exc.reasons], None
    except face_engine.ImageError as exc:
        return Decision.REFUSED, None, None, [exc.code], None
    summary = result.to_dict()
    liveness = summary["liveness"] if required else {**summary["liveness"], "ignored": True}
    match = result.match
    if not result.liveness.passed:
        return Decision.LIVENESS_FAILED, summary["distance"], liveness, summary["reasons"], None
    if match is None or match.decision == "refused":
        return Decision.REFUSED, None, liveness, summary["reasons"] or ["no_face"], None
    # Only a clear match enrols: the grey zone is no_match here (no adviser reviews it),
    # for the face as for the liveness (a turn with too little parallax to tell a head
    # from a card turned in front of the lens).
    if result.liveness.needs_review:
        return Decision.NO_MATCH, match.distance, liveness, summary["review"], None
    decision = Decision.MATCH if match.decision == "match" else Decision.NO_MATCH
    codes = [] if decision == Decision.MATCH else ["no_match"]
    return decision, match.distance, liveness, codes, reference


def _store_reference(session: Session, pensioner_id: int, template, source: str) -> None:
    """Upsert the pensioner's encrypted reference (one per pensioner: unique index)."""
    sealed = face_engine.encrypt_template(
        template, template_key(), associated_data=_reference_ad(pensioner_id)
    )
    row = session.exec(
        select(FaceReference).where(FaceReference.pensioner_id == pensioner_id)
    ).first() or FaceReference(pensioner_id=pensioner_id, template=sealed, source=source)
    row.template, row.source, row.created_at = sealed, source, utcnow()
    session.add(row)


def decide(session: Session, selfie_id: int) -> dict:
    """Run the engine on a pending selfie; record the decision and its effects exactly once.

    A match stores what the mode says (reference or pending reference) in the
    same transaction as the decision; the chip photo and the frames are deleted
    whatever the outcome of a passport selfie that matched, and the frames of
    every decided selfie.
    """
    selfie = session.get(EnrolSelfie, selfie_id)
    if selfie is None:
        raise SelfieError("attempt_not_found")
    if selfie.decision != Decision.PENDING:
        return summary(selfie)
    enrolment = session.get(Enrolment, selfie.enrolment_id)
    assert enrolment is not None
    decision, distance, liveness, reasons, template = _engine_decision(session, selfie, enrolment)
    now = utcnow()
    written: CursorResult = session.execute(  # type: ignore[assignment]
        update(EnrolSelfie)
        .where(col(EnrolSelfie.id) == selfie_id)
        .where(col(EnrolSelfie.decision) == Decision.PENDING.value)
        .values(
            decision=decision.value,
            decided_at=now,
            distance=None if distance is None else round(float(distance), 4),
            liveness=liveness,
            reasons=list(dict.fromkeys(reasons)),
            frames=None,
        )
    )
    if written.rowcount != 1:  # another run decided first
        session.rollback()
        session.refresh(selfie)
        return summary(selfie)
    if decision == Decision.MATCH:
        _apply_match(session, selfie, enrolment, template)
    audit.record(
        session,
        "enrolment_selfie_decided",
        actor_type="system",
        target_type="pensioner",
        target_id=selfie.pensioner_id,
        enrolment_id=enrolment.id,
        mode=selfie.mode,
        decision=decision.value,
        reasons=list(dict.fromkeys(reasons)),
    )
    session.commit()
    session.refresh(selfie)
    log.info("enrol selfie %s (%s) decided: %s", selfie.id, selfie.mode, decision.value)
    return summary(selfie)


def _apply_match(session: Session, selfie: EnrolSelfie, enrolment: Enrolment, template) -> None:
    mode = selfie.mode
    if mode == SelfieMode.PENDING:
        enrolment.pending_reference = face_engine.encrypt_template(
            template, template_key(), associated_data=_pending_ad(enrolment)
        )
    else:
        source = ReferenceSource.PASSPORT if mode == SelfieMode.AGAINST_PHOTO else "agency"
        _store_reference(session, selfie.pensioner_id, template, str(source))
        # The pending template is no longer needed: the reference is kept. The chip
        # photo goes now; the agency's home frame stays for the adviser's identity
        # check until the enrolment ends (the account opens a few minutes later).
        if mode == SelfieMode.AGAINST_PHOTO:
            enrolment.reference_photo = None
        enrolment.pending_reference = None
        audit.record(
            session,
            "face_reference_set",
            actor_type="pensioner",
            actor_id=selfie.pensioner_id,
            target_type="pensioner",
            target_id=selfie.pensioner_id,
            source=str(source),
            enrolment_id=enrolment.id,
        )
    enrolment.updated_at = utcnow()
    session.add(enrolment)


def summary(selfie: EnrolSelfie) -> dict:
    """What the job returns and the page needs."""
    return {
        "selfie_id": selfie.id,
        "mode": selfie.mode,
        "decision": selfie.decision,
        "reasons": selfie.reasons,
    }
