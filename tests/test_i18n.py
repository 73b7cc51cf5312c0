"""Languages: French by default, Arabic right-to-left, English; complete catalogues;
amounts and dates written the way each reader expects."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, ngettext
from sqlmodel import select

from tests.conftest import AuthActions
from webapp.i18n import date_time, long_date, money, month_label, short_date
from webapp.models import Pensioner
from webapp.services.pensioners import payments

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "webapp" / "translations"
TRANSLATED = ("ar", "en")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
UPDATE_HINT = (
    "pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location "
    "-o webapp/translations/messages.pot . && "
    "pybabel update -i webapp/translations/messages.pot -d webapp/translations "
    "--no-fuzzy-matching, then translate the new entries"
)


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.get_data(as_text=True)).group(0)


def read_catalogue(name: str):
    path = (
        TRANSLATIONS / "messages.pot"
        if name == "pot"
        else (TRANSLATIONS / name / "LC_MESSAGES" / "messages.po")
    )
    with path.open("rb") as handle:
        return read_po(handle, locale=None if name == "pot" else name)


def msgids(catalogue) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}


def saved_language(app, dp: str) -> str:
    """The language on file, read in its own app context (requests must not share one)."""
    from webapp.db import get_session

    with app.app_context():
        return get_session().exec(select(Pensioner.language).where(Pensioner.dp_number == dp)).one()


# --- Choosing the language ------------------------------------------------------------------


def test_a_visitor_gets_french_by_default(client):
    response = client.get("/auth/login")
    assert 'lang="fr"' in html_tag(response) and 'dir="ltr"' in html_tag(response)
    assert "Se connecter" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("header", "lang", "direction", "text"),
    [
        ("ar-MA,ar;q=0.9,fr;q=0.5", "ar", "rtl", "تسجيل الدخول"),
        ("en-GB,en;q=0.8", "en", "ltr", "Log in"),
        ("de-DE,de;q=0.9", "fr", "ltr", "Se connecter"),
    ],
)
def test_the_browser_language_is_followed(client, header, lang, direction, text):
    response = client.get("/auth/login", headers={"Accept-Language": header})
    assert f'lang="{lang}"' in html_tag(response)
    assert f'dir="{direction}"' in html_tag(response)
    assert text in response.get_data(as_text=True)


def test_a_visitor_switch_is_remembered_by_a_cookie(client):
    response = client.post("/lang/en", data={"next": "/guide/"})
    assert response.status_code == 302 and response.headers["Location"] == "/guide/"
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en"
    assert "User guide" in client.get("/guide/").get_data(as_text=True)
    # Even a browser asking for Arabic keeps the language the visitor picked.
    page = client.get("/", headers={"Accept-Language": "ar"})
    assert 'lang="en"' in html_tag(page)


def test_switch_from_an_htmx_request_reloads_the_page(client):
    response = client.post("/lang/ar", data={"next": "/guide/"}, headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/guide/"
    assert client.get_cookie("lang").value == "ar"


def test_switch_to_an_unknown_language_is_refused(client):
    assert client.post("/lang/xx", data={"next": "/"}).status_code == 404


def test_a_pensioner_switch_is_saved_on_the_account(app, client, demo, auth):
    auth.login("DP100001")
    client.post("/lang/ar", data={"next": "/space/payments"})
    assert saved_language(app, "DP100001") == "ar"
    page = client.get("/space/payments")
    assert 'lang="ar" dir="rtl"' in html_tag(page)
    assert "مدفوعات معاشي" in page.get_data(as_text=True)

    # Another phone, no cookie: the saved language follows the pensioner.
    other = app.test_client()
    AuthActions(other).login()
    assert 'dir="rtl"' in html_tag(other.get("/space/"))


def test_a_language_picked_on_the_login_page_is_kept_after_login(app, client, demo, auth):
    assert saved_language(app, "DP100001") == "fr"
    client.post("/lang/en", data={"next": "/auth/login"})
    auth.login("DP100001")
    assert 'lang="en"' in html_tag(client.get("/space/"))
    assert saved_language(app, "DP100001") == "en"


def test_the_saved_language_wins_over_the_browser(client, demo, auth):
    auth.login("DP100002")  # language "ar" on file
    page = client.get("/space/alerts", headers={"Accept-Language": "fr"})
    assert 'lang="ar" dir="rtl"' in html_tag(page)
    assert "تنبيهاتي" in page.get_data(as_text=True)


def test_an_htmx_swap_in_arabic_carries_arabic_text(client, demo, auth):
    auth.login("DP100002")
    partial = client.get("/space/payments", headers={"HX-Request": "true"})
    text = partial.get_data(as_text=True)
    assert "<html" not in text
    assert "مدفوعات معاشي" in text and "درهم" in text


def test_the_manifest_follows_the_language(client):
    data = client.get("/manifest.webmanifest", headers={"Accept-Language": "ar"}).get_json()
    assert data["lang"] == "ar" and data["dir"] == "rtl"
    assert data["name"] == "DialVie — إثبات الحياة"


# --- The catalogues -------------------------------------------------------------------------


def test_every_message_is_translated_in_arabic_and_english():
    template = msgids(read_catalogue("pot"))
    assert len(template) > 150
    for lang in TRANSLATED:
        catalogue = read_catalogue(lang)
        missing = sorted(template - msgids(catalogue))
        assert not missing, f"{lang}: not in the catalogue ({UPDATE_HINT}): {missing[:5]}"
        for message in catalogue:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(s.strip() for s in strings), f"{lang}: untranslated {message.id!r}"
            assert "fuzzy" not in message.flags, f"{lang}: fuzzy {message.id!r}"


def test_the_template_lists_every_message_of_the_source():
    method_map = [
        ("webapp/**.py", "python"),
        ("jobs/**.py", "python"),
        ("webapp/templates/**.html", "jinja2"),
        ("webapp/templates/notify/**.txt", "jinja2"),
    ]
    options = {
        "webapp/templates/**.html": {"extensions": "jinja2.ext.i18n"},
        "webapp/templates/notify/**.txt": {"extensions": "jinja2.ext.i18n"},
    }
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    in_source = {
        (m if isinstance(m, str) else m[0])
        for _file, _line, m, _comments, _ctx in extract_from_dir(
            str(ROOT), method_map, options, keywords=keywords
        )
    }
    forgotten = sorted(in_source - msgids(read_catalogue("pot")) - {""})
    assert not forgotten, f"new strings to extract and translate ({UPDATE_HINT}): {forgotten[:5]}"


def test_placeholders_survive_translation():
    for lang in TRANSLATED:
        for message in read_catalogue(lang):
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            expected = set(PLACEHOLDER.findall(ids[0]))
            for string in strings:
                assert set(PLACEHOLDER.findall(string)) == expected, (lang, message.id, string)


def test_catalogues_pass_the_gettext_format_checks():
    for lang in TRANSLATED:
        problems = [(m.id, [str(e) for e in errors]) for m, errors in read_catalogue(lang).check()]
        assert not problems, (lang, problems[:3])


def test_french_needs_no_catalogue_and_shows_the_source_text(app):
    assert not (TRANSLATIONS / "fr").exists()
    with app.test_request_context("/"), force_locale("fr"):
        assert gettext("Mon attestation") == "Mon attestation"
        assert gettext("Bonjour %(name)s", name="Fatima") == "Bonjour Fatima"
        assert ngettext("%(num)d résultat", "%(num)d résultats", 3) == "3 résultats"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "fr",
            [
                "Mes paiements de pension",
                "Mon attestation",
                "Mes coordonnées",
                "Mes alertes",
                "Guide d'utilisation",
                "Allocataire",
            ],
        ),
        (
            "en",
            [
                "My pension payments",
                "My certificate",
                "My contact details",
                "My alerts",
                "User guide",
                "Pensioner",
            ],
        ),
        (
            "ar",
            [
                "مدفوعات معاشي",
                "شهادتي",
                "معلوماتي الشخصية",
                "تنبيهاتي",
                "دليل الاستعمال",
                "المستفيد",
            ],
        ),
    ],
)
def test_the_fund_wording_is_used(app, lang, expected):
    sources = [
        "Mes paiements de pension",
        "Mon attestation",
        "Mes coordonnées",
        "Mes alertes",
        "Guide d'utilisation",
        "Allocataire",
    ]
    with app.test_request_context("/"), force_locale(lang):
        assert [gettext(s) for s in sources] == expected


def test_templates_follow_a_forced_locale_and_come_back(app):
    from flask import render_template_string

    page = "{{ _('Mon attestation') }}|{{ 987943|money }}|{{ '2017-05'|month_label }}"
    with app.test_request_context("/", headers={"Accept-Language": "ar"}):
        assert render_template_string(page) == "شهادتي|9.879,43\u00a0درهم|ماي 2017"
        with force_locale("en"):
            assert render_template_string(page) == "My certificate|MAD\u00a09,879.43|MAY 2017"
        assert render_template_string(page) == "شهادتي|9.879,43\u00a0درهم|ماي 2017"


def test_arabic_plural_forms_are_used(app):
    with app.test_request_context("/"), force_locale("ar"):
        assert ngettext("%(num)d résultat", "%(num)d résultats", 2) == "2 نتيجتان"
        assert ngettext("%(num)d résultat", "%(num)d résultats", 5) == "5 نتائج"


# --- Amounts and dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "9\u202f879,43\u00a0MAD"),
        ("ar", "9.879,43\u00a0درهم"),
        ("en", "MAD\u00a09,879.43"),
    ],
)
def test_amounts_are_written_per_language(lang, expected):
    assert money(987943, lang) == expected


def test_amounts_are_exact_to_the_centime():
    assert money(5, "fr") == "0,05\u00a0MAD"
    assert money(100000000, "fr") == "1\u202f000\u202f000,00\u00a0MAD"
    assert money(123456789, "en") == "MAD\u00a01,234,567.89"
    assert money(-1050, "fr") == "-10,50\u00a0MAD"
    assert money(None, "fr") == ""


@pytest.mark.parametrize(
    ("lang", "may", "august"),
    [
        ("fr", "MAI 2017", "AOÛT 2017"),
        ("en", "MAY 2017", "AUGUST 2017"),
        ("ar", "ماي 2017", "غشت 2017"),
    ],
)
def test_month_labels_use_the_moroccan_names(lang, may, august):
    assert month_label("2017-05", lang) == may
    assert month_label("2017-08", lang) == august


def test_dates_are_day_month_year_with_western_digits():
    for lang in ("fr", "ar", "en"):
        assert short_date(date(2017, 6, 1), lang) == "01/06/2017"
    # Late evening in UTC is already the next day in Casablanca (UTC+1 outside Ramadan).
    late = datetime(2026, 4, 19, 23, 30, tzinfo=UTC)
    assert short_date(late, "fr") == "20/04/2026"
    assert long_date(late, "fr") == "20 avril 2026"
    assert long_date(late, "en") == "20 April 2026"
    assert long_date(late, "ar") == "20 أبريل 2026"
    assert date_time(late, "ar") == "20/04/2026 00:30"


def test_the_payments_page_is_formatted_in_the_pensioner_language(app, client, demo, auth):
    from webapp.db import get_session

    auth.login("DP100002")  # Arabic
    text = client.get("/space/payments").get_data(as_text=True)
    with app.app_context():
        session = get_session()
        owner = session.exec(select(Pensioner).where(Pensioner.dp_number == "DP100002")).one()
        newest = payments(session, owner.id, limit=1)[0]
    assert month_label(newest.period, "ar") in text
    assert money(newest.net, "ar") in text
    assert short_date(newest.pay_date, "ar") in text
    assert "MAD" not in text.split("<main", 1)[1]


# --- Errors in the reader's language --------------------------------------------------------


@pytest.mark.parametrize(
    ("dp", "message"),
    [("DP100001", "Entre 0 et 30."), ("DP100002", "بين 0 و30."), ("DP100005", "Between 0 and 30.")],
)
def test_form_errors_appear_in_the_pensioner_language(client, demo, auth, dp, message):
    auth.login(dp)
    response = client.post("/space/contact", data={"children": "99", "country": "MAR"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    error = re.search(r'<p class="error" id="children-error">(.*?)</p>', text, re.S)
    assert error and message in error.group(1)


def test_a_wtforms_builtin_error_is_translated_too(client, demo, auth):
    auth.login("DP100002")
    response = client.post("/space/contact", data={"children": "trois", "country": "MAR"})
    error = re.search(r'id="children-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    assert error and re.search("[\u0600-\u06ff]", error.group(1)), error


def test_a_login_error_is_shown_in_arabic(client, demo):
    response = client.post(
        "/auth/login",
        data={"dp_number": "DP100001", "password": "wrong-password"},
        headers={"Accept-Language": "ar"},
    )
    assert response.status_code == 422
    assert "رقم الملف أو كلمة المرور غير صحيح." in response.get_data(as_text=True)


def test_the_not_found_page_is_translated(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
