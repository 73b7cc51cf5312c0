"""The passport scan job: read the MRZ of one picture of the identity page (RQ or inline).

Thin: :func:`webapp.services.passport_scan.read_sealed` decrypts the picture, runs
the MRZ engine and keeps a valid MRZ on the enrolment. A picture without a valid
MRZ is a result (``{"valid": false, "reason"}``), not a failure.
"""

from __future__ import annotations

from webapp.services.tasks import JobFailed


def read_page(enrolment_id: int, sealed: str) -> dict:
    """Returns ``{"valid": true}`` or ``{"valid": false, "reason": code}``."""
    from webapp.db import get_session
    from webapp.services import passport_scan

    try:
        return passport_scan.read_sealed(get_session(), enrolment_id, sealed)
    except passport_scan.ScanRefused as exc:
        raise JobFailed(exc.code) from exc
