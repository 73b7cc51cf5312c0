"""The enrolment face job: decide one enrolment selfie (liveness + match) in an RQ worker.

Thin on purpose: :func:`webapp.services.enrol_selfie.decide` records the decision
and its effects exactly once, so a job delivered twice does nothing twice. Bad
pictures are a decision (``refused`` with a reason), not a job failure.
"""

from __future__ import annotations

from webapp.services.tasks import JobFailed


def check_selfie(selfie_id: int) -> dict:
    """Decide the selfie; returns ``{"selfie_id", "mode", "decision", "reasons"}``."""
    from webapp.db import get_session
    from webapp.services import enrol_selfie
    from webapp.services.proof_store import ProofError

    try:
        return enrol_selfie.decide(get_session(), selfie_id)
    except ProofError as exc:
        raise JobFailed(exc.code) from exc
