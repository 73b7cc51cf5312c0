"""The daily proof-of-life job: reminders, suspensions after the deadline, frame purge.

Run it once a day with ``flask proof daily`` (cron or a systemd timer), or
enqueue it on RQ with ``flask proof daily --enqueue`` (RQ's scheduler can
repeat it). Every step is idempotent: running it twice in a day changes nothing.
"""

from __future__ import annotations

from datetime import date

from webapp.db import get_session
from webapp.services import campaigns, proof_of_life, proof_store


def run_daily(today: str | None = None) -> dict:
    """Reminders, suspensions, purge and lost-job recovery for ``today`` (ISO date)."""
    session = get_session()
    day = date.fromisoformat(today) if today else campaigns.local_today()
    campaign = campaigns.campaign_for(session, day)
    reminded = campaigns.send_reminders(session, day)
    suspended = campaigns.suspend_late(session, day)
    purged = proof_store.purge_frames(session)
    recovered = proof_of_life.recover_stale(session)
    return {
        "day": day.isoformat(),
        "campaign": campaign.quarter,
        "reminded": reminded,
        "suspended": suspended,
        "purged": purged,
        "recovered": recovered,
    }
