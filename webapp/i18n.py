"""Language choice and locale-aware formatting (French default, Arabic RTL, English).

The formatters run hundreds of times on a payments page (120 months, three
amounts each), so the Babel data they need is read once per language and
kept: money is formatted from integer centimes with the locale's separators
(no float, no pattern parsing per call), month labels are cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from flask import Flask, current_app, g, request, session
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from flask_login import current_user, user_logged_in

LOCAL_TZ = ZoneInfo("Africa/Casablanca")
RTL_LANGUAGES = {"ar"}
DEFAULT_LANG = "fr"
# The CLDR locale behind each language: Moroccan French and Arabic (Western
# digits, Moroccan month names such as "ماي", "غشت"), British English (dd/mm/yyyy).
CLDR_LOCALES = {"fr": "fr_MA", "ar": "ar_MA", "en": "en_GB"}
LANG_COOKIE = "lang"


def select_locale() -> str:
    """The user's saved language, else the ``lang`` cookie, else the browser's, else French."""
    languages = current_app.config["LANGUAGES"]
    forced = getattr(g, "force_locale", None)
    if forced in languages:
        return forced
    user_lang = getattr(current_user, "language", None) if current_user else None
    if user_lang in languages:
        return user_lang
    chosen = request.cookies.get(LANG_COOKIE) or session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or DEFAULT_LANG


def select_timezone() -> str:
    """Dates are shown in Moroccan time, the fund's reference."""
    return "Africa/Casablanca"


def _babel_context():
    """Flask-Babel's per-context namespace (locale and translations), if any yet.

    Read through the app context variable rather than the ``g`` proxy: this
    runs for every amount, month and message on a page.
    """
    ctx = _cv_app.get(None)
    return getattr(ctx.g, "_flask_babel", None) if ctx is not None else None


def current_lang() -> str:
    """The two-letter language of this response.

    Reads the locale Flask-Babel already chose for this context (honouring
    ``force_locale``) before falling back to ``get_locale``: it is called for
    every amount and month on a page.
    """
    locale = getattr(_babel_context(), "babel_locale", None) or get_locale()
    return locale.language if locale is not None else DEFAULT_LANG


def _translations():
    """This context's translations, remembered next to the locale they were loaded for.

    Flask-Babel's own lookup walks several context proxies per call; a page
    of 120 payments calls ``_()`` close to a thousand times.
    """
    ctx = _babel_context()
    cached = getattr(ctx, "dv_translations", None)
    if cached is not None and cached[0] is getattr(ctx, "babel_locale", None):
        return cached[1]
    translations = get_translations()
    ctx = _babel_context()
    if ctx is not None and getattr(ctx, "babel_locale", None) is not None:
        ctx.dv_translations = (ctx.babel_locale, translations)
    return translations


def install_fast_gettext(app: Flask) -> None:
    """Replace the Jinja ``_``/``gettext``/``ngettext`` Flask-Babel installed by cached ones."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def text_direction(lang: str | None = None) -> str:
    """``rtl`` for Arabic, ``ltr`` otherwise."""
    return "rtl" if (lang or current_lang()) in RTL_LANGUAGES else "ltr"


@lru_cache(maxsize=8)
def cldr_locale(lang: str) -> Locale:
    """The parsed Babel locale of a language (parsed once per process)."""
    return Locale.parse(CLDR_LOCALES.get(lang, CLDR_LOCALES[DEFAULT_LANG]))


@dataclass(frozen=True)
class MoneyStyle:
    """How one language writes an amount of dirhams."""

    group: str
    decimal: str
    symbol: str
    symbol_first: bool


NBSP = "\u00a0"  # keeps the amount and its currency on one line


@lru_cache(maxsize=8)
def money_style(lang: str) -> MoneyStyle:
    """Separators from CLDR; the currency as pensioners read it.

    French ``9 879,43 MAD`` (narrow no-break space between thousands), Arabic
    ``9.879,43 درهم`` (the ar_MA separators, Western digits as used in
    Morocco, the word "dirham" rather than the abbreviation), English
    ``MAD 9,879.43``.
    """
    locale = cldr_locale(lang)
    symbols = locale.number_symbols.get("latn", locale.number_symbols)
    group, decimal = symbols["group"], symbols["decimal"]
    if lang == "ar":
        return MoneyStyle(group, decimal, "درهم", symbol_first=False)
    if lang == "en":
        return MoneyStyle(group, decimal, "MAD", symbol_first=True)
    return MoneyStyle(group, decimal, "MAD", symbol_first=False)


def money(centimes: int | None, lang: str | None = None) -> str:
    """Format integer centimes as dirhams in the language's conventions (9 879,43 MAD)."""
    if centimes is None:
        return ""
    return _money(int(centimes), lang or current_lang())


@lru_cache(maxsize=4096)
def _money(centimes: int, lang: str) -> str:
    # Monthly amounts repeat month after month: most calls are cache hits.
    style = money_style(lang)
    sign = "-" if centimes < 0 else ""
    units, cents = divmod(abs(centimes), 100)
    number = f"{sign}{units:,}".replace(",", style.group) + f"{style.decimal}{cents:02d}"
    if style.symbol_first:
        return f"{style.symbol}{NBSP}{number}"
    return f"{number}{NBSP}{style.symbol}"


def _local(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).date()
    return value


def short_date(value: date | datetime | None, lang: str | None = None) -> str:
    """dd/mm/yyyy in every language (Western digits, as on Moroccan documents)."""
    if value is None:
        return ""
    day = _local(value)
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


@lru_cache(maxsize=1024)
def _long_date(day: date, lang: str) -> str:
    return babel_format_date(day, format="long", locale=cldr_locale(lang))


def long_date(value: date | datetime | None, lang: str | None = None) -> str:
    """A date written out: 20 avril 2026, 20 April 2026, 20 أبريل 2026."""
    if value is None:
        return ""
    return _long_date(_local(value), lang or current_lang())


def date_time(value: datetime | None, lang: str | None = None) -> str:
    """Date and time in Moroccan time (for alerts and the audit trail)."""
    if value is None:
        return ""
    local = value.astimezone(LOCAL_TZ)
    return f"{short_date(local.date(), lang)} {local:%H:%M}"


@lru_cache(maxsize=4096)
def _month_label(period: str, lang: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    name = babel_format_date(date(year, month, 1), format="LLLL", locale=cldr_locale(lang))
    return f"{name.upper()} {year}"


def month_label(period: str, lang: str | None = None) -> str:
    """``2017-05`` → ``MAI 2017`` / ``MAY 2017`` / ``ماي 2017`` (upper case, as the fund's app)."""
    return _month_label(period, lang or current_lang())


def _save_chosen_language(sender: Flask, user=None, **_extra) -> None:
    """At login, a language picked on the login page becomes the pensioner's saved language.

    Without this, an Arabic reader who switched before logging in would be
    sent back to the language on file.
    """
    chosen = session.get("lang") or request.cookies.get(LANG_COOKIE)
    record = getattr(user, "record", None)
    if (
        getattr(user, "is_pensioner", False)
        and chosen in sender.config["LANGUAGES"]
        and getattr(record, "language", chosen) != chosen
    ):
        from .db import get_session

        record.language = chosen
        get_session().commit()


def register_template_helpers(app: Flask) -> None:
    """Expose the formatters as Jinja filters and globals; follow language choices at login."""
    app.add_template_filter(money, "money")
    app.add_template_filter(short_date, "short_date")
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(date_time, "date_time")
    app.add_template_filter(month_label, "month_label")
    app.add_template_global(current_lang, "current_lang")
    app.add_template_global(text_direction, "text_direction")
    install_fast_gettext(app)
    user_logged_in.connect(_save_chosen_language, app)
