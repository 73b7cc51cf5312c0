"""The public list of agencies: where to go, when, and how to call."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import get_day_names
from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from ..db import get_session
from ..i18n import cldr_locale, current_lang
from ..models import Agency, utcnow
from ..render import render_page
from ..services import booking
from . import bp


@bp.route("/agencies")
def agencies():
    """Every active agency with its address, phone, opening hours, closures and a map link."""
    session = get_session()
    rows = session.exec(
        select(Agency).where(col(Agency.active).is_(True)).order_by(col(Agency.city))
    ).all()
    today = utcnow().astimezone(booking.AGENCY_TZ).date()
    soon = today + timedelta(days=30)
    entries = [
        {
            "agency": agency,
            "hours": booking.hours_by_weekday(session, agency.id),
            "closed": sorted(booking.closed_days(session, agency.id, today, soon).items()),
        }
        for agency in rows
        if agency.id is not None
    ]
    return render_page(
        "public/agencies.html", title=_l("Nos agences"), entries=entries, day_names=weekday_names()
    )


def weekday_names() -> list[str]:
    """Monday to Sunday in the reader's language."""
    names = get_day_names("wide", locale=cldr_locale(current_lang()))
    return [names[d] for d in range(7)]


@bp.app_context_processor
def _agency_helpers():
    return {"weekday_names": weekday_names}
