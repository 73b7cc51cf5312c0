"""Procedure 1, « Scanner »: a picture of the passport's identity page → the MRZ job.

The camera page sends frames one at a time (or the pensioner uploads a photo);
each is handed to the MRZ engine's job through :func:`webapp.services.mrz_scan.submit`
(the picture is parked briefly, never put in the job's arguments). The page polls
the job kept on the enrolment (``data["scan_job"]``); the first read whose MRZ is a
passport's with every check digit valid ends the step: its lines are kept on the
enrolment (``data["mrz_lines"]``).
"""

from __future__ import annotations

from flask import current_app
from sqlmodel import Session

from ..errors import DomainError
from ..models import Enrolment, JobRecord
from . import mrz_scan

_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


class ScanRefused(DomainError):
    """A picture that cannot be read; ``code`` names why (see ``webapp.enrol.messages``)."""

    def __init__(self, code: str, **details):
        super().__init__(code, **details)
        self.code = code


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
    """Check the picture and start the MRZ job on it; the job id is kept on the enrolment."""
    job_id = mrz_scan.submit(check_picture(data), pensioner_id=enrolment.pensioner_id)
    enrolment.data = {**(enrolment.data or {}), "scan_job": job_id}
    session.add(enrolment)
    session.commit()
    return job_id


def owns(enrolment: Enrolment, job_id: str) -> bool:
    """Whether ``job_id`` is this enrolment's latest scan."""
    return bool(job_id) and (enrolment.data or {}).get("scan_job") == job_id


def outcome(job: JobRecord | None) -> tuple[str, list[str], str | None]:
    """``("running" | "valid" | "invalid", lines, reason)`` of a scan job.

    Valid means: the MRZ engine found a valid MRZ *and* it is a passport's (TD3);
    an identity card or a visa is ``not_a_passport``.
    """
    if job is None:
        return "invalid", [], "scan_expired"
    if job.status not in ("finished", "failed"):
        return "running", [], None
    if job.status == "failed":
        return "invalid", [], job.error_code or "internal"
    result = job.result or {}
    if not result.get("valid"):
        return "invalid", [], str(result.get("reason") or "no_mrz")
    lines = [str(line) for line in result.get("lines") or []]
    if not (len(lines) == 2 and all(len(x) == 44 for x in lines) and lines[0][:1] == "P"):
        return "invalid", [], "not_a_passport"
    return "valid", lines, None


def keep(session: Session, enrolment: Enrolment, lines: list[str]) -> None:
    """Keep the scanned MRZ on the enrolment (the chip read is keyed by it)."""
    data = dict(enrolment.data or {})
    data.pop("scan_job", None)
    data["mrz_lines"] = lines
    enrolment.data = data
    session.add(enrolment)
    session.commit()
