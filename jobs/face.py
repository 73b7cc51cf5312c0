"""The face job: decide one proof-of-life attempt (liveness + match) in an RQ worker.

Thin on purpose: the work is :func:`webapp.services.proof_of_life.decide_attempt`,
which records the decision exactly once, so a job delivered twice (a retry after
a dead worker, a recovery re-enqueue) never records two outcomes. Bad pictures
are a decision (``refused`` with a reason), not a job failure; an engine or
database error propagates and RQ retries it.
"""

from __future__ import annotations

from webapp.db import get_session
from webapp.services import proof_of_life
from webapp.services.proof_store import ProofError
from webapp.services.tasks import JobFailed


def check_attempt(attempt_id: int) -> dict:
    """Decide the attempt; returns ``{"attempt_id", "decision", "reasons"}``."""
    try:
        return proof_of_life.decide_attempt(get_session(), attempt_id)
    except ProofError as exc:
        raise JobFailed(exc.code) from exc
