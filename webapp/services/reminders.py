"""Proof-of-life reminders and notices, set-based, exactly once, inside allowed hours.

The daily cycle calls :func:`sweep` once a day. For each stage of the campaign
(the opening, D-10, D-3, the deadline day) it selects the pensioners still to
attest with a few ``INSERT … SELECT`` statements — no loop over pensioners:

- an in-app alert, always (channel ``alert``, recorded as sent at once);
- one message on the best channel the pensioner has: web push when a device
  subscribed, else SMS for residents in Morocco, e-mail for residents abroad
  (each channel switchable with ``REMINDER_CHANNELS``).

Every message is a ``notification`` row whose unique key (kind, pensioner,
campaign, channel) makes a rerun, a second worker or a crash between sending and
recording unable to send twice. ``not_before`` holds the quiet hours
(``QUIET_HOURS``, in the pensioner's own time zone, derived from the country of
residence): a message due at night waits for the morning, it is not dropped.
The sending itself happens in RQ jobs, in batches (:func:`dispatch`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import pytz
from babel.core import get_global
from flask import current_app
from sqlalchemy import String, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from ..models import (
    AccountStatus,
    Alert,
    Campaign,
    Notification,
    NotificationStatus,
    Pensioner,
    ProofStatus,
    PushSubscription,
    utcnow,
)
from . import notify
from .local_time import LOCAL_TZ

P = Pensioner.__table__  # type: ignore[attr-defined]
N = Notification.__table__  # type: ignore[attr-defined]
S = ProofStatus.__table__  # type: ignore[attr-defined]
SUB = PushSubscription.__table__  # type: ignore[attr-defined]
A = Alert.__table__  # type: ignore[attr-defined]

#: Reminder stages: days before the deadline (None: the opening day).
STAGES = {"open": None, "d10": 10, "d3": 3, "deadline": 0}
#: Messages are enqueued in batches of this many rows (one RQ job each).
BATCH = 500


def stage_of(campaign: Campaign, day: date) -> str | None:
    """Which reminder ``day`` is for this campaign, if any."""
    if day == campaign.opens_on:
        return "open"
    for name, days in STAGES.items():
        if days is not None and day == campaign.deadline - timedelta(days=days):
            return name
    return None


#: Countries spread over several zones: the zone where most of their people live
#: (the tz database lists the easternmost or an island first).
MAIN_ZONE = {
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "CL": "America/Santiago",
    "ES": "Europe/Madrid",
    "MX": "America/Mexico_City",
    "PT": "Europe/Lisbon",
    "RU": "Europe/Moscow",
    "US": "America/New_York",
}


@lru_cache(maxsize=512)
def timezone_of(country: str | None, default: str) -> ZoneInfo:
    """The time zone of a residence country (ISO alpha-3): CLDR's alias to alpha-2,
    then the tz database's zone for it (:data:`MAIN_ZONE` for multi-zone countries)."""
    alpha2 = (get_global("territory_aliases").get(country or "") or [""])[0]
    zones = pytz.country_timezones.get(alpha2, []) if alpha2 else []
    return ZoneInfo(MAIN_ZONE.get(alpha2) or (zones[0] if zones else default))


def _clock(value: str) -> time:
    hour, minute = (int(x) for x in value.split(":"))
    return time(hour, minute)


def allowed_at(now: datetime, zone: ZoneInfo) -> datetime | None:
    """None when ``now`` is outside the quiet hours in ``zone``; else when they end."""
    start, end = (_clock(x) for x in current_app.config["QUIET_HOURS"].split("-"))
    local = now.astimezone(zone)
    quiet = (
        (local.time() >= start or local.time() < end)
        if start > end
        else (start <= local.time() < end)
    )
    if not quiet:
        return None
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)


def _not_before(session: Session, now: datetime) -> ColumnElement[Any]:
    """``not_before`` per pensioner: the end of the quiet hours in their country, or NULL."""
    default = LOCAL_TZ.key
    countries = session.execute(select(P.c.country).distinct()).scalars().all()
    whens = []
    for country in countries:
        shift = allowed_at(now, timezone_of(country, default))
        if shift is not None:
            whens.append((P.c.country == country, literal(shift, N.c.not_before.type)))
    if not whens:
        return literal(None, N.c.not_before.type)
    return case(*whens, else_=literal(None, N.c.not_before.type))


def _channel() -> ColumnElement[Any]:
    """The pensioner's best channel: push if subscribed, else SMS (Morocco) or e-mail."""
    enabled = {c.strip() for c in current_app.config["REMINDER_CHANNELS"].split(",")}
    has_push = exists().where(SUB.c.pensioner_id == P.c.id)
    has_gsm, has_email = (
        P.c.gsm.isnot(None) & (P.c.gsm != ""),
        P.c.email.isnot(None) & (P.c.email != ""),
    )
    whens: list[tuple[ColumnElement[bool], str]] = []
    if "push" in enabled:
        whens.append((has_push, "push"))
    if "sms" in enabled:
        whens.append((and_(P.c.country == "MAR", has_gsm), "sms"))
    if "email" in enabled:
        whens.append((has_email, "email"))
    if "sms" in enabled:
        whens.append((has_gsm, "sms"))
    return case(*whens, else_=literal(None, String))


def _texts(kind: str, params: dict[str, Any]) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """Subject and body in the pensioner's language, rendered once per language."""
    subjects, bodies = [], []
    for language in current_app.config["LANGUAGES"]:
        subject, body, _ = notify.render(kind, language, lang=language, **params)
        subjects.append((P.c.language == language, literal(subject[:200])))
        bodies.append((P.c.language == language, literal(body)))
    return case(*subjects, else_=subjects[0][1]), case(*bodies, else_=bodies[0][1])


def insert_ignoring(session: Session, table: Any) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` in this session's dialect (PostgreSQL or SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def queue(
    session: Session,
    kind: str,
    scope: str,
    who: ColumnElement[bool],
    *,
    alert: dict[str, Any] | None = None,
    now: datetime | None = None,
    **params: Any,
) -> dict[str, int]:
    """Queue ``kind`` for every pensioner matching ``who`` (a condition on ``pensioner``).

    ``alert``, when given, also writes an in-app alert (``{"kind", "params"}``).
    Returns how many alerts and messages were queued by this call; a rerun
    queues nothing (the unique key), so it is safe to call again.
    """
    now = now or utcnow()
    counts = {"alerts": 0, "messages": 0}
    if alert is not None:
        rows = (
            session.execute(
                insert_ignoring(session, N)
                .from_select(
                    [
                        "kind",
                        "pensioner_id",
                        "recipient",
                        "scope",
                        "channel",
                        "destination",
                        "language",
                        "status",
                        "attempts",
                        "attachments",
                        "created_at",
                        "sent_at",
                    ],
                    select(
                        literal(kind),
                        P.c.id,
                        literal("p:") + cast(P.c.id, String),
                        literal(scope),
                        literal("alert"),
                        literal("in-app"),
                        P.c.language,
                        literal(NotificationStatus.SENT.value),
                        literal(0),
                        literal([], N.c.attachments.type),
                        literal(now, N.c.created_at.type),
                        literal(now, N.c.sent_at.type),
                    ).where(who),
                )
                .on_conflict_do_nothing()
                .returning(N.c.pensioner_id)
            )
            .scalars()
            .all()
        )
        if rows:
            session.execute(
                A.insert(),
                [
                    {
                        "pensioner_id": pid,
                        "kind": alert["kind"],
                        "params": alert["params"],
                        "created_at": now,
                    }
                    for pid in rows
                ],
            )
        counts["alerts"] = len(rows)
    subject, body = _texts(kind, params)
    best = select(P.c.id.label("pid"), _channel().label("channel")).where(who).subquery()
    destination = case(
        (best.c.channel == "push", literal("pensioner:") + cast(P.c.id, String)),
        (best.c.channel == "sms", P.c.gsm),
        else_=P.c.email,
    )
    inserted = session.execute(
        insert_ignoring(session, N)
        .from_select(
            [
                "kind",
                "pensioner_id",
                "recipient",
                "scope",
                "channel",
                "destination",
                "language",
                "status",
                "attempts",
                "subject",
                "body",
                "attachments",
                "created_at",
                "not_before",
            ],
            select(
                literal(kind),
                P.c.id,
                literal("p:") + cast(P.c.id, String),
                literal(scope),
                best.c.channel,
                destination,
                P.c.language,
                literal(NotificationStatus.QUEUED.value),
                literal(0),
                subject,
                body,
                literal([], N.c.attachments.type),
                literal(now, N.c.created_at.type),
                _not_before(session, now),
            )
            .select_from(best.join(P, P.c.id == best.c.pid))
            .where(best.c.channel.isnot(None)),
        )
        .on_conflict_do_nothing()
        .returning(N.c.id, N.c.not_before)
    ).all()
    session.commit()
    counts["messages"] = len(inserted)
    dispatch(session, [i for i, nb in inserted if nb is None or nb <= now])
    return counts


def not_attested(campaign: Campaign) -> ColumnElement[bool]:
    """Active accounts that have not attested for ``campaign``."""
    attested = exists().where(
        S.c.pensioner_id == P.c.id, S.c.campaign_id == campaign.id, S.c.attested_at.isnot(None)
    )
    return and_(P.c.account_status == AccountStatus.ACTIVE.value, ~attested)


def sweep(session: Session, campaign: Campaign, day: date, now: datetime | None = None) -> int:
    """The day's reminder for everyone not attested, if ``day`` is a reminder day."""
    stage = stage_of(campaign, day)
    if stage is None:
        return 0
    deadline = campaign.deadline
    counts = queue(
        session,
        f"pol_{stage}",
        f"campaign:{campaign.quarter}",
        not_attested(campaign),
        alert={
            "kind": "pol_reminder",
            "params": {"deadline": deadline.strftime("%d/%m/%Y"), "stage": stage},
        },
        now=now,
        deadline=deadline,
        days=(deadline - day).days,
    )
    return counts["alerts"]


def notify_suspended(session: Session, campaign: Campaign, when: datetime) -> int:
    """The suspension notice, to those suspended at ``when`` by the daily cycle."""
    just_suspended = exists().where(
        S.c.pensioner_id == P.c.id, S.c.campaign_id == campaign.id, S.c.suspended_at == when
    )
    return queue(
        session,
        "pol_suspended",
        f"campaign:{campaign.quarter}",
        just_suspended,
        now=when,
        deadline=campaign.deadline,
    )["messages"]


def notify_reinstated(session: Session, campaign: Campaign, now: datetime | None = None) -> int:
    """The reinstatement notice, to those who attested after being suspended (once)."""
    reinstated = exists().where(
        S.c.pensioner_id == P.c.id,
        S.c.campaign_id == campaign.id,
        S.c.suspended_at.isnot(None),
        S.c.attested_at.isnot(None),
    )
    return queue(session, "pol_reinstated", f"campaign:{campaign.quarter}", reinstated, now=now)[
        "messages"
    ]


def dispatch(session: Session, ids: Iterable[int]) -> int:
    """Enqueue sending jobs for these notification ids, ``BATCH`` per job."""
    from .tasks import enqueue

    ids = list(ids)
    for start in range(0, len(ids), BATCH):
        enqueue("reminders", "jobs.reminders:send_batch", ids[start : start + BATCH])
    return len(ids)


def dispatch_due(session: Session, now: datetime | None = None) -> int:
    """Enqueue the messages whose quiet hours just ended (called by every tick)."""
    now = now or utcnow()
    due = (
        session.execute(
            select(N.c.id).where(
                N.c.status == NotificationStatus.QUEUED.value,
                N.c.attempts == 0,
                N.c.not_before.isnot(None),
                N.c.not_before <= now,
            )
        )
        .scalars()
        .all()
    )
    return dispatch(session, due)


def last_reminders(session: Session, pensioner_ids: list[int]) -> dict[int, Notification]:
    """The latest reminder sent or queued per pensioner (for the staff dashboard)."""
    if not pensioner_ids:
        return {}
    latest = (
        select(N.c.pensioner_id, func.max(N.c.id).label("id"))
        .where(
            N.c.pensioner_id.in_(pensioner_ids),
            N.c.channel != "alert",
            or_(N.c.kind.like("pol_%"), N.c.kind == "broadcast"),
        )
        .group_by(N.c.pensioner_id)
        .subquery()
    )
    rows = session.execute(
        select(Notification).join(latest, Notification.id == latest.c.id)  # type: ignore[arg-type]
    ).scalars()
    return {row.pensioner_id: row for row in rows if row.pensioner_id is not None}
