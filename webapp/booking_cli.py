"""Operator commands for agency appointments: holidays, closures, reminders."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup
from sqlmodel import select

from .db import get_session
from .models import Agency
from .services import booking

booking_cli = AppGroup("booking", help="Agency appointments: holidays, closed days, reminders.")


@booking_cli.command("holidays")
@click.argument("years", nargs=-1, type=int, required=True)
@click.option("--estimated", is_flag=True, help="Also the Islamic holidays (estimated dates).")
def holidays(years: tuple[int, ...], estimated: bool) -> None:
    """Close every agency on Morocco's public holidays of YEARS (idempotent)."""
    added = booking.seed_public_holidays(get_session(), years, estimated=estimated)
    click.echo(f"{added} public holiday(s) added")


@booking_cli.command("close-day")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("label")
@click.option("--agency", "agency_code", help="Only this agency (its code); default: all.")
def close_day(day, label: str, agency_code: str | None) -> None:
    """Close DAY (YYYY-MM-DD) with LABEL, e.g. an Eid once announced."""
    session = get_session()
    agency_id = None
    if agency_code:
        agency = session.exec(select(Agency).where(Agency.code == agency_code)).first()
        if agency is None:
            click.echo(f"no agency {agency_code}", err=True)
            sys.exit(1)
        agency_id = agency.id
    the_day: date = day.date()
    added = booking.add_closed_day(session, the_day, label, agency_id=agency_id)
    click.echo(f"{the_day} closed" if added else f"{the_day} was already closed")


@booking_cli.command("remind")
def remind() -> None:
    """Send the reminder of tomorrow's appointments (each once; run daily, e.g. from cron)."""
    from .services import agency_enrol

    sent = agency_enrol.send_reminders(get_session())
    click.echo(f"{sent} reminder(s) sent")
