"""The « Guide d'utilisation »: illustrated sections on enrolment, proof of life,
reminders and agency visits, in French, Arabic and English, with links that lead
somewhere real and pictures that load (also offline: the service worker keeps them)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE_IMAGES = ROOT / "webapp" / "static" / "img" / "guide"
NEW_SECTIONS = ("enrol", "proof", "reminders", "agency")
HEADINGS = {
    "fr": {
        "enrol": "S'inscrire",
        "proof": "La preuve de vie, chaque trimestre",
        "reminders": "Rappels et notifications",
        "agency": "Aller dans une agence",
    },
    "en": {
        "enrol": "Enrol",
        "proof": "Proof of life, every quarter",
        "reminders": "Reminders and notifications",
        "agency": "Going to an agency",
    },
    "ar": {
        "enrol": "التسجيل",
        "proof": "إثبات الحياة، كل ربع سنة",
        "reminders": "التذكيرات والإشعارات",
        "agency": "الذهاب إلى وكالة",
    },
}
ARABIC = re.compile("[\u0600-\u06ff]")


class GuidePage(HTMLParser):
    """What each ``<section class="guide-section">`` holds: headings, images, links."""

    def __init__(self):
        super().__init__()
        self.sections: dict[str, dict] = {}
        self.toc: list[str] = []
        self.ids: set[str] = set()
        self.main_images: list[dict] = []
        self._section: str | None = None
        self._depth = 0
        self._heading: str | None = None
        self._in_toc = False
        self._in_main = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "main":
            self._in_main = True
        if tag == "nav" and a.get("id") == "guide-toc":
            self._in_toc = True
        if self._in_toc and tag == "a":
            self.toc.append(a.get("href", ""))
        if tag == "section" and "guide-section" in (a.get("class") or "").split():
            self._section = a["id"]
            self._depth = 0
            self.sections[self._section] = {"h2": "", "h3": [], "img": [], "a": []}
        if tag == "section" and self._section:
            self._depth += 1
        if tag == "img" and self._in_main:
            self.main_images.append(a)
        if not self._section:
            return
        here = self.sections[self._section]
        if tag == "img":
            here["img"].append(a)
        elif tag == "a":
            here["a"].append(a.get("href", ""))
        elif tag in ("h2", "h3"):
            self._heading = tag
            if tag == "h3":
                here["h3"].append("")

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_toc = False
        if tag == "main":
            self._in_main = False
        if tag in ("h2", "h3"):
            self._heading = None
        if tag == "section" and self._section:
            self._depth -= 1
            if self._depth == 0:
                self._section = None

    def handle_data(self, data):
        if self._section and self._heading == "h2":
            self.sections[self._section]["h2"] += data
        elif self._section and self._heading == "h3":
            self.sections[self._section]["h3"][-1] += data


def text_of(client, url: str) -> str:
    """The page's HTML with its no-break spaces read as spaces."""
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True).replace("\u00a0", " ")


def read_guide(client, url="/guide/") -> GuidePage:
    page = GuidePage()
    page.feed(text_of(client, url))
    return page


def use_language(client, lang: str) -> None:
    assert client.post(f"/lang/{lang}", data={"next": "/guide/"}).status_code == 302


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_guide_has_the_four_illustrated_sections_in_each_language(client, lang):
    use_language(client, lang)
    page = read_guide(client)
    for name in NEW_SECTIONS:
        section = page.sections[name]
        assert section["h2"].strip() == HEADINGS[lang][name]
        assert section["img"], f"{name} has no picture"
        for img in section["img"]:
            alt = (img.get("alt") or "").strip()
            assert len(alt) > 20, f"{name}: {img.get('src')} has no real alt text"
            assert bool(ARABIC.search(alt)) == (lang == "ar"), f"{name}: alt not in {lang}"
    assert len(page.sections["enrol"]["h3"]) >= 2  # both procedures


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_every_picture_of_the_guide_has_an_alt_and_loads(client, lang):
    use_language(client, lang)
    page = read_guide(client)
    srcs = [img["src"] for img in page.main_images]
    assert len(srcs) >= 4
    for img in page.main_images:
        assert (img.get("alt") or "").strip(), img
    for src in set(srcs):
        with client.get(src) as response:  # closed: a static file is streamed
            assert response.status_code == 200, src
            assert response.mimetype == "image/svg+xml"
            assert response.data.startswith(b"<svg")


def test_enrolment_section_describes_both_procedures(client):
    page = read_guide(client)
    h3 = page.sections["enrol"]["h3"]
    assert "1 - Récupération de la photo de votre passeport biométrique" in h3
    assert "2 - Prise de photo par selfie" in h3
    html = text_of(client, "/guide/enrol")
    assert "NFC" in html and "selfie" in html


def test_proof_section_gives_the_configured_deadline_and_the_suspension(app, client):
    html = text_of(client, "/guide/proof")
    assert "Date limite : le 20 janvier, 20 avril, 20 juillet et 20 octobre." in html
    assert "« Paiement suspendu »" in html and "Le paiement est rétabli." in html
    app.config["PROOF_DEADLINE_DAY"] = 15
    html = text_of(client, "/guide/proof")
    assert "le 15 janvier, 15 avril, 15 juillet et 15 octobre." in html
    use_language(client, "en")
    html = text_of(client, "/guide/proof")
    assert "Deadline: 15 January, 15 April, 15 July and 15 October." in html


def test_reminders_section_names_every_channel(client):
    html = text_of(client, "/guide/reminders")
    for words in ("par notification", "par SMS", "par e-mail", "« Oui, me prévenir »"):
        assert words in html


def test_links_from_the_sections_lead_to_real_pages(client, auth, demo):
    page = read_guide(client)
    links = {name: set(page.sections[name]["a"]) - {"#guide-toc"} for name in NEW_SECTIONS}
    assert "/enrol/" in links["enrol"]
    assert "/agencies" in links["agency"] and "/agencies" in links["proof"]
    assert "/space/alerts" in links["reminders"]  # where notifications are turned on
    assert "/space/proof/" in links["proof"]
    # Anonymous readers reach the public ones...
    for href in ("/enrol/", "/agencies"):
        assert client.get(href).status_code == 200, href
    # ...and a logged-in pensioner every one of them.
    auth.login()
    for href in set().union(*links.values()):
        assert client.get(href).status_code == 200, href


def test_table_of_contents_points_at_every_section(client):
    page = read_guide(client)
    anchors = [href.removeprefix("#") for href in page.toc]
    assert all(href.startswith("#") for href in page.toc)
    for name in NEW_SECTIONS:
        assert name in anchors
    for anchor in anchors:
        assert anchor in page.ids and anchor in page.sections


def test_a_single_section_page_shows_only_that_section(client):
    page = read_guide(client, "/guide/agency")
    assert list(page.sections) == ["agency"]
    assert "/guide/proof" in page.toc  # the others are one tap away
    assert client.get("/guide/nope").status_code == 404


def test_french_quotes_and_colons_never_end_a_line(client):
    html = client.get("/guide/reminders").get_data(as_text=True)
    assert "«\u00a0Mes alertes\u00a0»" in html
    assert "« " not in html and " »" not in html and " :" not in html


def test_pictures_are_plain_self_contained_svg():
    files = sorted(GUIDE_IMAGES.glob("*.svg"))
    assert len(files) >= 4
    for path in files:
        text = path.read_text(encoding="utf-8")
        root = ET.fromstring(text)
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox"), path
        assert "<script" not in text and "href" not in text and "url(" not in text, path
        assert len(text) < 4000, f"{path.name} is not light"


def test_the_service_worker_keeps_the_guide_and_its_pictures_offline(client):
    sw = client.get("/sw.js").get_data(as_text=True)
    shell = sw[sw.index("const SHELL = [") : sw.index("];", sw.index("const SHELL = ["))]
    from webapp.public.guide import GUIDE_TOPICS

    for topic in GUIDE_TOPICS:
        assert f'"/guide/{topic}"' in shell
    assert '"/static/css/guide.css"' in shell
    for path in GUIDE_IMAGES.glob("*.svg"):
        assert f'"/static/img/guide/{path.name}"' in shell
