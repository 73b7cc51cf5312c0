"""The daily proof-of-life jobs: the cycle itself, and the scheduler's tick.

``run_daily`` runs the cycle for a day (``flask proof daily``, by hand or from
cron); ``tick`` is what a scheduler calls every few minutes: it runs the day's
cycle once the fund's local time passes ``PROOF_DAILY_AT``, at most once per
day across every process (see :mod:`webapp.services.daily`).
"""

from __future__ import annotations

from datetime import date

from webapp.db import get_session
from webapp.services import daily
from webapp.services.local_time import local_today


def run_daily(today: str | None = None) -> dict:
    """Reminders, suspensions, purge and lost-job recovery for ``today`` (ISO date)."""
    day = date.fromisoformat(today) if today else local_today()
    return daily.cycle(get_session(), day)


def tick() -> dict:
    """The scheduler's call: the day's cycle when due, once per day."""
    return daily.tick(get_session())
