"""What a pensioner who could not attest needs to know: when to try again, what went wrong.

The daily limit (``PROOF_DAILY_ATTEMPTS`` uploads per local day) ends at the
fund's local midnight: :func:`next_try_at` says when, for the page to word it.
:func:`last_failure` finds the reason codes of the pensioner's latest attempt
when it was refused, for the camera page's « la dernière fois » box.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlmodel import Session, col, select

from ..models import ProofAttempt, utcnow
from ..models.proof import Decision
from .local_time import LOCAL_TZ, local_today

#: Decisions whose reasons say what the pensioner can do better next time.
FAILED = (Decision.REFUSED.value, Decision.LIVENESS_FAILED.value, Decision.NO_MATCH.value)


@dataclass(frozen=True)
class NextTry:
    """When the daily limit ends: the local start of tomorrow, and how far away it is."""

    at: datetime  # aware, in the fund's time zone
    wait: timedelta

    @property
    def hours(self) -> int:
        """Whole hours left, rounded up."""
        return -(-int(self.wait.total_seconds()) // 3600)

    @property
    def minutes(self) -> int:
        """Minutes left, rounded up, at least 1."""
        return max(1, -(-int(self.wait.total_seconds()) // 60))


def next_try_at(now: datetime | None = None) -> NextTry:
    """The next local midnight (a new day of attempts), whatever the DST changes."""
    now = now or utcnow()
    tomorrow = local_today(now) + timedelta(days=1)
    at = datetime.combine(tomorrow, time(0, 0), tzinfo=LOCAL_TZ)
    return NextTry(at=at, wait=max(at - now, timedelta(0)))


def last_failure(session: Session, pensioner_id: int) -> list[str]:
    """Reason codes of the latest attempt if it failed (empty otherwise).

    Only the latest one counts: after a success, an adviser's approval or
    while a check is running there is nothing to explain. A failure without a
    code is named by its decision (``no_match``, or a generic text).
    """
    latest = session.exec(
        select(ProofAttempt)
        .where(ProofAttempt.pensioner_id == pensioner_id)
        .order_by(col(ProofAttempt.created_at).desc(), col(ProofAttempt.id).desc())
        .limit(1)
    ).first()
    if latest is None or latest.decision not in FAILED or latest.review_decision == "approved":
        return []
    codes = list(dict.fromkeys(latest.reasons or []))
    return codes or [latest.decision]
