"""Language choice and locale-aware formatting (French default, Arabic RTL, English)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency
from flask import Flask, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user

LOCAL_TZ = ZoneInfo("Africa/Casablanca")
RTL_LANGUAGES = {"ar"}


def select_locale() -> str:
    """The user's saved language, else the ``lang`` cookie, else the browser's, else French."""
    languages = current_app.config["LANGUAGES"]
    forced = getattr(g, "force_locale", None)
    if forced in languages:
        return forced
    user_lang = getattr(current_user, "language", None) if current_user else None
    if user_lang in languages:
        return user_lang
    cookie = request.cookies.get("lang") or session.get("lang")
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or "fr"


def select_timezone() -> str:
    """Dates are shown in Moroccan time, the fund's reference."""
    return "Africa/Casablanca"


def current_lang() -> str:
    """The two-letter language of this response."""
    return str(get_locale() or "fr")


def text_direction(lang: str | None = None) -> str:
    """``rtl`` for Arabic, ``ltr`` otherwise."""
    return "rtl" if (lang or current_lang()) in RTL_LANGUAGES else "ltr"


def money(centimes: int, lang: str | None = None) -> str:
    """Format integer centimes as MAD in the language's conventions (9 879,43 MAD)."""
    locale = {"ar": "ar_MA", "en": "en_GB", "fr": "fr_MA"}.get(lang or current_lang(), "fr_MA")
    return format_currency(
        centimes / 100, "MAD", locale=locale, format="#,##0.00 ¤", currency_digits=False
    )


def short_date(value: date | datetime | None, lang: str | None = None) -> str:
    """dd/mm/yyyy in French and English, the Arabic locale's short form otherwise."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ)
    lang = lang or current_lang()
    if lang == "ar":
        return babel_format_date(value, format="dd/MM/yyyy", locale="ar_MA")
    return value.strftime("%d/%m/%Y")


def long_date(value: date | datetime | None, lang: str | None = None) -> str:
    """A date written out (20 avril 2026)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ)
    locale = {"ar": "ar_MA", "en": "en_GB", "fr": "fr_FR"}.get(lang or current_lang(), "fr_FR")
    return babel_format_date(value, format="long", locale=locale)


def date_time(value: datetime | None, lang: str | None = None) -> str:
    """Date and time in Moroccan time (for alerts and the audit trail)."""
    if value is None:
        return ""
    local = value.astimezone(LOCAL_TZ)
    return f"{short_date(local.date(), lang)} {local:%H:%M}"


def month_label(period: str, lang: str | None = None) -> str:
    """``2017-05`` → ``MAI 2017`` (upper case, as the fund's app shows it)."""
    year, month = int(period[:4]), int(period[5:7])
    locale = {"ar": "ar_MA", "en": "en_GB", "fr": "fr_FR"}.get(lang or current_lang(), "fr_FR")
    name = babel_format_date(date(year, month, 1), format="LLLL", locale=locale)
    return f"{name.upper()} {year}"


def register_template_helpers(app: Flask) -> None:
    """Expose the formatters as Jinja filters and globals."""
    app.add_template_filter(money, "money")
    app.add_template_filter(short_date, "short_date")
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(date_time, "date_time")
    app.add_template_filter(month_label, "month_label")
    app.add_template_global(current_lang, "current_lang")
    app.add_template_global(text_direction, "text_direction")
