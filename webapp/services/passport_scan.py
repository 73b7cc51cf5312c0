"""Procedure 1, « Scanner »: a picture of the passport's identity page → the MRZ job.

The camera page sends frames one at a time (or the pensioner uploads a photo);
each goes encrypted to the MRZ job (:mod:`jobs.enrol_scan`, the MRZ engine
underneath), never in clear through the queue. The first frame whose MRZ comes
out with every check digit valid ends the step: its lines are kept on the
enrolment (``data["mrz_lines"]``) and the frame is forgotten. Pictures are never
stored: the job row's argument is emptied once read.
"""

from __future__ import annotations

import base64
import logging

from flask import current_app
from sqlmodel import Session

from ..errors import DomainError
from ..models import Enrolment, JobRecord
from . import tasks
from .proof_store import ProofError, decrypt_frames, encrypt_frames

log = logging.getLogger(__name__)

_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


class ScanRefused(DomainError):
    """A picture that cannot be read; ``code`` names why (see ``webapp.enrol.messages``)."""

    def __init__(self, code: str, **details):
        super().__init__(code, **details)
        self.code = code


def _binding(enrolment_id: int) -> str:
    return f"enrolment:{enrolment_id}:scan"


def check_picture(data: bytes) -> bytes:
    """Edge checks: an image (JPEG, PNG or WebP by its bytes) of a sensible size."""
    if not data:
        raise ScanRefused("scan_empty")
    if len(data) > current_app.config["ENROL_SCAN_MAX_BYTES"]:
        raise ScanRefused("scan_too_large")
    if not data.startswith(_MAGIC) or (data.startswith(b"RIFF") and data[8:12] != b"WEBP"):
        raise ScanRefused("scan_not_image")
    return data


def submit(session: Session, enrolment: Enrolment, data: bytes) -> str:
    """Check the picture and start the MRZ job on it; returns the job id."""
    picture = check_picture(data)
    assert enrolment.id is not None
    sealed = base64.b64encode(encrypt_frames([picture], _binding(enrolment.id))).decode()
    return tasks.enqueue(
        "enrol_scan",
        "jobs.enrol_scan:read_page",
        enrolment.id,
        sealed,
        timeout=current_app.config["ENROL_SCAN_JOB_TIMEOUT"],
    )


def read_sealed(session: Session, enrolment_id: int, sealed: str) -> dict:
    """The job's work: decrypt the picture, read its MRZ, keep it on the enrolment if valid."""
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise ScanRefused("scan_expired")
    try:
        picture = decrypt_frames(base64.b64decode(sealed), _binding(enrolment_id))[0]
    except (ProofError, ValueError, IndexError) as exc:
        raise ScanRefused("scan_not_image") from exc
    outcome = read_mrz(picture)
    lines = list(outcome.get("lines") or [])
    if not outcome.get("valid"):
        return {"valid": False, "reason": str(outcome.get("reason") or "no_mrz")[:40]}
    passport = len(lines) == 2 and all(len(x) == 44 for x in lines) and lines[0][0] == "P"
    if not passport:  # an identity card, a visa...: procedure 1 needs a passport
        return {"valid": False, "reason": "not_a_passport"}
    data = dict(enrolment.data or {})
    data["mrz_lines"] = lines
    enrolment.data = data
    session.add(enrolment)
    session.commit()
    return {"valid": True}


def read_mrz(picture: bytes) -> dict:
    """The MRZ engine on one picture: ``{"valid", "lines", "fields", "reason"}``."""
    from mrz_reader import read_image  # type: ignore[import-not-found]

    return read_image(picture)


def forget_picture(session: Session, job: JobRecord | None) -> None:
    """Empty a finished scan job's argument (the sealed picture)."""
    if job is not None and job.kind == "enrol_scan" and job.status in ("finished", "failed"):
        args = dict(job.args or {})
        if args.get("args") and len(args["args"]) > 1 and args["args"][1] != "":
            args["args"] = [args["args"][0], ""]
            job.args = args
            session.add(job)
            session.commit()
