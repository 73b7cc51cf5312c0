"""Proof-of-life storage: the template key, encrypted references and encrypted frames.

Nothing biometric is stored in clear: a reference is an AES-GCM encrypted
128-float template bound to its pensioner; an attempt's frames are sealed with
a key derived from the template key and bound to the challenge nonce, and are
purged once the dispute window is over.
"""

from __future__ import annotations

import logging
import os
import struct
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import update
from sqlmodel import Session, col, select

import face_engine

from ..db import rows_changed
from ..errors import DomainError
from ..models import FaceReference, LivenessChallenge, Pensioner, ProofAttempt, utcnow
from . import audit

log = logging.getLogger(__name__)
_warned_dev_key = False
_FRAMES_VERSION = 1


class ProofError(DomainError):
    """A proof-of-life step refused; ``code`` names the reason (see ``webapp.proof.messages``)."""

    def __init__(self, code: str, **details):
        super().__init__(code, **details)
        self.code = code


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


def reference_of(session: Session, pensioner_id: int) -> FaceReference | None:
    """The pensioner's reference row, if enrolled."""
    return session.exec(
        select(FaceReference).where(FaceReference.pensioner_id == pensioner_id)
    ).first()


def set_reference(
    session: Session,
    pensioner: Pensioner,
    picture: bytes,
    source: str,
    *,
    actor_type: str = "operator",
    actor_id: int | None = None,
):
    """Encode ``picture`` and store it encrypted as the pensioner's reference (replaces any).

    Raises the engine's :class:`~face_engine.PictureRefused` or ``ImageError``.
    """
    assert pensioner.id is not None
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
        actor_type=actor_type,
        actor_id=actor_id,
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


def purge_frames(session: Session, now: datetime | None = None) -> int:
    """Empty the frames of attempts past their dispute window; returns how many."""
    now = now or utcnow()
    purged = rows_changed(
        session,
        update(ProofAttempt)
        .where(col(ProofAttempt.frames).is_not(None))
        .where(col(ProofAttempt.frames_purge_after) <= now)
        .values(frames=None, frames_purged_at=now),
    )
    session.commit()
    if purged:
        log.info("purged the frames of %d attempt(s)", purged)
    return purged


def frame_as_data(attempt: ProofAttempt, challenge: LivenessChallenge, index: int) -> bytes:
    """One decrypted frame for the reviewer (raises ProofError when gone)."""
    if attempt.frames is None:
        raise ProofError("frames_unreadable")
    frames = decrypt_frames(attempt.frames, challenge.nonce)
    if not 0 <= index < len(frames):
        raise ProofError("frames_unreadable")
    return frames[index]
