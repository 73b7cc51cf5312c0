"""The fund's clock: its time zone and local days (a domain setting, not a view concern).

Campaign windows, daily attempt limits and the dates shown to users are all in
Moroccan time, the fund's reference, whatever the server's or the reader's zone.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..models import utcnow

LOCAL_TZ = ZoneInfo("Africa/Casablanca")


def local_today(now: datetime | None = None) -> date:
    """Today's date in the fund's time zone."""
    return (now or utcnow()).astimezone(LOCAL_TZ).date()


def local_midnight(now: datetime | None = None) -> datetime:
    """The start of today (local) as an aware datetime."""
    local = (now or utcnow()).astimezone(LOCAL_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def local_date(value: date | datetime) -> date:
    """The local calendar day of an aware datetime (a date is returned as it is)."""
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).date()
    return value
