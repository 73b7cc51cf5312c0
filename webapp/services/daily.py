"""The daily proof-of-life cycle, run once per local day without anyone typing a command.

``tick()`` is called every few minutes by whatever scheduler runs (the web
process's thread in the embedded default, RQ's cron scheduler in production, or
a cron line). Once the fund's local time passes ``PROOF_DAILY_AT`` it claims the
day by inserting its :class:`DailyRun` row — a database lock, so several web
processes and workers never run the same day twice — and runs :func:`cycle`:
reminders, suspensions, frame purge, lost-job recovery and the reminders of
tomorrow's agency appointments. Every step is also
idempotent on its own, so ``flask proof daily`` may run it by hand at any time.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..models import DailyRun, utcnow
from . import (
    agency_enrol,
    campaigns,
    enrolment,
    notify,
    proof_of_life,
    proof_store,
    reminders,
    throttle,
)
from .local_time import LOCAL_TZ

log = logging.getLogger(__name__)


def due_day(now: datetime) -> date | None:
    """The local day whose cycle is due at ``now``, or None before ``PROOF_DAILY_AT``."""
    local = now.astimezone(LOCAL_TZ)
    hour, minute = (int(x) for x in current_app.config["PROOF_DAILY_AT"].split(":"))
    return local.date() if local.time() >= time(hour, minute) else None


def claim(session: Session, day: date, now: datetime) -> bool:
    """Take the day's lock: True for exactly one caller (or for a taker-over of a dead run)."""
    runner = f"{socket.gethostname()}:{os.getpid()}"
    try:
        with session.begin_nested():
            session.add(DailyRun(day=day, started_at=now, runner=runner))
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
    stale = now - timedelta(minutes=current_app.config["SCHEDULER_STALE_MINUTES"])
    taken = session.execute(
        update(DailyRun)
        .where(
            DailyRun.day == day,  # type: ignore[arg-type]
            DailyRun.finished_at.is_(None),  # type: ignore[union-attr]
            DailyRun.started_at < stale,  # type: ignore[arg-type]
        )
        .values(started_at=now, runner=runner)
    )
    session.commit()
    return bool(taken.rowcount)  # type: ignore[attr-defined]


def cycle(session: Session, day: date) -> dict[str, Any]:
    """Reminders, suspensions, purge and lost-job recovery for ``day``. Idempotent."""
    campaign = campaigns.campaign_for(session, day)
    reminded = campaigns.send_reminders(session, day)
    suspended = campaigns.suspend_late(session, day)
    reinstated = reminders.notify_reinstated(session, campaign)
    purged = proof_store.purge_frames(session)
    recovered = proof_of_life.recover_stale(session)
    appointments = agency_enrol.send_reminders(session)
    expired = enrolment.expire_stale(session)
    counters = throttle.purge(session)
    return {
        "day": day.isoformat(),
        "campaign": campaign.quarter,
        "reminded": reminded,
        "suspended": suspended,
        "reinstated_notices": reinstated,
        "purged": purged,
        "recovered": recovered,
        "appointment_reminders": appointments,
        "expired_enrolments": expired,
        "login_counters_purged": counters,
    }


def run_once(session: Session, day: date, now: datetime | None = None) -> dict[str, Any] | None:
    """Run ``day``'s cycle if nobody has; None when another process has it."""
    now = now or utcnow()
    if not claim(session, day, now):
        return None
    result = cycle(session, day)
    summary = {**result, "suspended": len(result["suspended"])}
    session.execute(
        update(DailyRun)
        .where(DailyRun.day == day)  # type: ignore[arg-type]
        .values(finished_at=utcnow(), result=summary)
    )
    session.commit()
    log.info("daily cycle %s: %s", day, summary)
    return result


def tick(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """What a scheduler calls every few minutes: the day's cycle when it is due, and the
    messages that may now be sent."""
    now = now or utcnow()
    day = due_day(now)
    ran = run_once(session, day, now) if day is not None else None
    # Messages whose quiet hours ended, and those a provider delayed.
    due = reminders.dispatch_due(session, now)
    retried = notify.retry_pending(session, now)
    return {
        "day": day.isoformat() if day else None,
        "ran": ran is not None,
        "dispatched": due,
        "retried": retried,
    }


def last_runs(session: Session, limit: int = 7) -> list[DailyRun]:
    """The latest daily runs, newest first (for the staff dashboard)."""
    return list(
        session.exec(select(DailyRun).order_by(DailyRun.day.desc()).limit(limit))  # type: ignore[attr-defined]
    )
