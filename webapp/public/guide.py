"""« Guide d'utilisation »: public help pages, precached by the service worker for offline use."""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date
from babel.lists import format_list
from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..i18n import cldr_locale, current_lang
from ..render import render_page
from . import bp

#: The guide's sections, in the order of the table of contents; each is also a page of
#: its own (``/guide/<topic>``) and an anchor of the whole guide (``/guide/#<topic>``).
GUIDE_TOPICS = (
    "install",
    "enrol",
    "login",
    "proof",
    "reminders",
    "agency",
    "payments",
    "attestation",
    "contact",
    "alerts",
    "offline",
)
#: A space after « or before » : ; ? ! (French typography): a line must not break there.
FRENCH_SPACE = re.compile(r"(?<=«) | (?=[»:;?!])")
#: The first month of each quarter: a proof-of-life campaign opens in each of them.
QUARTER_MONTHS = (1, 4, 7, 10)


def campaign_days(lang: str) -> dict[str, str]:
    """The campaigns' opening days and deadlines, e.g. « 20 janvier, 20 avril… », in ``lang``.

    Read from the configuration (``PROOF_OPEN_DAY``, ``PROOF_DEADLINE_DAY``), so the
    guide says what the daily cycle does.
    """
    locale = cldr_locale(lang)
    days = {}
    for key, setting in (("opens", "PROOF_OPEN_DAY"), ("deadlines", "PROOF_DEADLINE_DAY")):
        day = current_app.config[setting]
        dates = [
            format_date(date(2001, month, day), format="d MMMM", locale=locale)
            for month in QUARTER_MONTHS
        ]
        days[key] = format_list(dates, locale=locale)
    return days


@bp.app_template_filter("keep_punctuation")
def keep_punctuation(html: str) -> Markup:
    """Rendered markup with no-break spaces where French puts a space around punctuation.

    Without them a small screen can leave « alone at the end of a line. Only spaces
    change, so escaped markup stays escaped.
    """
    return Markup(FRENCH_SPACE.sub("\u00a0", str(html)))


@bp.route("/guide/")
@bp.route("/guide/<topic>")
def guide(topic: str = "index"):
    """The whole guide with its table of contents, or one section."""
    if topic != "index" and topic not in GUIDE_TOPICS:
        abort(404)
    return render_page(
        "public/guide.html",
        title=_l("Guide d'utilisation"),
        topic=topic,
        topics=GUIDE_TOPICS,
        campaign=campaign_days(current_lang()),
    )
