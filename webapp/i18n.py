"""Language choice and locale-aware formatting (French default, Arabic RTL, English).

Amounts and dates go through Babel's own formatters (``format_currency``,
``format_date``) with the CLDR locale of the language; they run hundreds of
times on a payments page (120 months, three amounts each), so their results
are cached per (value, language): monthly amounts and dates repeat.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date as babel_format_date, format_datetime
from babel.numbers import format_currency
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user, user_logged_in
from jinja2 import pass_context
from jinja2.runtime import Context

from .services.local_time import LOCAL_TZ, local_date

RTL_LANGUAGES = {"ar"}
DEFAULT_LANG = "fr"
# The CLDR locale behind each language: Moroccan French and Arabic (Western
# digits, Moroccan month names such as "ماي", "غشت"), British English (dd/mm/yyyy).
CLDR_LOCALES = {"fr": "fr_MA", "ar": "ar_MA", "en": "en_GB"}
LANG_COOKIE = "lang"


def select_locale() -> str:
    """The user's saved language, else the ``lang`` cookie, else the browser's, else French.

    Outside a request (a job, a command) French, unless the caller forces a locale.
    """
    if not has_request_context():
        return DEFAULT_LANG
    languages = current_app.config["LANGUAGES"]
    user_lang = getattr(current_user, "language", None) if current_user else None
    if user_lang in languages:
        return str(user_lang)
    chosen = request.cookies.get(LANG_COOKIE) or session.get("lang")
    if chosen in languages:
        return str(chosen)
    return request.accept_languages.best_match(languages) or DEFAULT_LANG


def select_timezone() -> str:
    """Dates are shown in Moroccan time, the fund's reference."""
    return LOCAL_TZ.key


def current_lang() -> str:
    """The two-letter language of this response (honours ``force_locale``)."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANG


def text_direction(lang: str | None = None) -> str:
    """``rtl`` for Arabic, ``ltr`` otherwise."""
    return "rtl" if (lang or current_lang()) in RTL_LANGUAGES else "ltr"


@lru_cache(maxsize=8)
def cldr_locale(lang: str) -> Locale:
    """The parsed Babel locale of a language (parsed once per process)."""
    return Locale.parse(CLDR_LOCALES.get(lang, CLDR_LOCALES[DEFAULT_LANG]))


#: The CLDR pattern of an amount per language, where it differs from the locale's own:
#: Arabic readers see the word « درهم » (not the abbreviation « د.م. » and its bidi
#: marks), English readers ``MAD 9,879.43`` with a no-break space. French keeps fr_MA's
#: ``9 879,43 MAD`` (narrow no-break space between thousands). Western digits everywhere.
MONEY_PATTERNS = {"ar": "#,##0.00\u00a0'درهم'", "en": "¤\u00a0#,##0.00"}


def money(centimes: int | None, lang: str | None = None) -> str:
    """Format integer centimes as dirhams in the language's conventions (9 879,43 MAD)."""
    if centimes is None:
        return ""
    return _money(int(centimes), lang or current_lang())


@lru_cache(maxsize=4096)
def _money(centimes: int, lang: str) -> str:
    # Monthly amounts repeat month after month: most calls are cache hits.
    amount = Decimal(centimes).scaleb(-2)  # exact: no float on the way
    return format_currency(amount, "MAD", format=MONEY_PATTERNS.get(lang), locale=cldr_locale(lang))


#: Numeric dates read the same in every language, as on Moroccan documents.
SHORT_DATE = "dd/MM/yyyy"


def short_date(value: date | datetime | None, lang: str | None = None) -> str:
    """dd/mm/yyyy in every language (Western digits, as on Moroccan documents)."""
    if value is None:
        return ""
    return _short_date(local_date(value), lang or DEFAULT_LANG)


@lru_cache(maxsize=4096)
def _short_date(day: date, lang: str) -> str:
    return babel_format_date(day, format=SHORT_DATE, locale=cldr_locale(lang))


@lru_cache(maxsize=1024)
def _long_date(day: date, lang: str) -> str:
    return babel_format_date(day, format="long", locale=cldr_locale(lang))


def long_date(value: date | datetime | None, lang: str | None = None) -> str:
    """A date written out: 20 avril 2026, 20 April 2026, 20 أبريل 2026."""
    if value is None:
        return ""
    return _long_date(local_date(value), lang or current_lang())


def date_time(value: datetime | None, lang: str | None = None) -> str:
    """Date and time in Moroccan time (for alerts and the audit trail)."""
    if value is None:
        return ""
    return format_datetime(
        value, f"{SHORT_DATE} HH:mm", tzinfo=LOCAL_TZ, locale=cldr_locale(lang or current_lang())
    )


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
    if getattr(user, "is_pensioner", False) and chosen in sender.config["LANGUAGES"]:
        from .db import get_session
        from .services import pensioners

        pensioners.set_language(get_session(), user.record, str(chosen))


def _page_filter(formatter: Callable[[Any, str | None], str]) -> Callable[..., str]:
    """A Jinja filter calling ``formatter`` in the page's language.

    The language is looked up once per render (``page_lang``, set by a context
    processor, so a ``force_locale`` around the render is honoured) rather than
    once per amount: a payments page formats several hundred values.
    """

    @pass_context
    def page_filter(context: Context, value: Any, lang: str | None = None) -> str:
        return formatter(value, lang or context.get("page_lang") or current_lang())

    return page_filter


def register_template_helpers(app: Flask) -> None:
    """Expose the formatters as Jinja filters and globals; follow language choices at login."""
    app.context_processor(lambda: {"page_lang": current_lang()})
    for name, formatter in (
        ("money", money),
        ("short_date", short_date),
        ("long_date", long_date),
        ("date_time", date_time),
        ("month_label", month_label),
    ):
        app.add_template_filter(_page_filter(formatter), name)
    app.add_template_global(current_lang, "current_lang")
    app.add_template_global(text_direction, "text_direction")
    user_logged_in.connect(_save_chosen_language, app)
