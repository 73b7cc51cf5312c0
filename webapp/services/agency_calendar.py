"""The agency visit's calendar side: the channel codes go by, the day's end, the .ics file."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from ..models import Agency, Appointment, Pensioner, utcnow
from .booking import AGENCY_TZ


def channel_for(pensioner: Pensioner) -> str:
    """SMS for residents of Morocco, e-mail for residents abroad."""
    return "email" if pensioner.lives_abroad else "sms"


def end_of_day(when: datetime) -> datetime:
    """Midnight at the end of ``when``'s day, in the agencies' time."""
    day = when.astimezone(AGENCY_TZ).date()
    return datetime.combine(day + timedelta(days=1), time(0), AGENCY_TZ)


def ics(appointment: Appointment, agency: Agency, fund: str) -> bytes:
    """An iCalendar event for the appointment (the e-mail's attachment)."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//DialVie//appointment//FR")
    cal.add("version", "2.0")
    event = Event()
    event.add("uid", f"appointment-{appointment.id}@dialvie")
    event.add("dtstamp", utcnow())
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.starts_at + timedelta(minutes=agency.slot_minutes))
    event.add("summary", f"{fund} — {agency.name}")
    event.add("location", ", ".join(x for x in (agency.address, agency.city) if x))
    if agency.latitude is not None and agency.longitude is not None:
        event.add("geo", (agency.latitude, agency.longitude))
    cal.add_component(event)
    return cal.to_ical()
