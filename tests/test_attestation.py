"""The annual attestation: totals, a PDF per language rendered by a job and cached, a
public check."""

import re
import subprocess

import pytest
from sqlmodel import select

from tests.conftest import AuthActions
from webapp.models import Attestation, AttestationPdf, JobRecord, Payment

#: Bidi controls pdftotext puts around right-to-left runs.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"), None)


def _prepare(client, year, htmx=True):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/space/attestation/{year}/pdf", headers=headers)


def test_totals_for_the_chosen_year(client, demo, auth):
    auth.login()
    page = client.get("/space/attestation?year=2021").data.decode()
    # 12 × 11 200,00 gross, 12 % IGR.
    assert re.search(r"134\s400,00\sMAD", page)
    assert re.search(r"16\s128,00\sMAD", page)
    assert re.search(r"118\s272,00\sMAD", page)
    assert client.get("/space/attestation?year=1990").status_code == 404


def test_pdf_is_rendered_cached_and_says_the_right_things(client, demo, auth, db, tmp_path):
    auth.login()
    ready = _prepare(client, 2021).data.decode()
    code = re.search(r"Code Attestation : ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})", ready).group(1)
    response = client.get("/space/attestation/2021.pdf")
    assert response.headers["Content-Type"] == "application/pdf"
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(text.split())
    for expected in (
        "Somme perçue par Mohammed BENANI",
        "Allocataire N° DP100001",
        "au titre de l'année 2021",
        "Brut",
        "I.G.R.",
        "Net à payer",
        "Délivrée pour servir et valoir ce que de droit",
        "Fait à Casablanca",
        code,
        f"http://localhost/verify/{code}",
    ):
        assert expected in text, expected
    assert re.search(r"134\s?400,00\sMAD", text)
    # Second request: the cached PDF, no new job.
    jobs_before = len(db.exec(select(JobRecord)).all())
    again = _prepare(client, 2021).data.decode()
    assert code in again
    assert len(db.exec(select(JobRecord)).all()) == jobs_before == 1


def test_verify_page_shows_only_initials_year_and_totals(client, demo, auth, app):
    auth.login()
    ready = _prepare(client, 2020).data.decode()
    code = re.search(r"([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})", ready).group(1)
    anonymous = app.test_client()
    page = anonymous.get(f"/verify/{code.lower().replace('-', '')}").data.decode()
    assert "Attestation authentique" in page and "M. B." in page and "2020" in page
    assert "BENANI" not in page and "DP100001" not in page and "Mohammed" not in page
    missing = anonymous.get("/verify/AAAA-BBBB-CCCC")
    assert missing.status_code == 404
    assert "Aucune attestation ne correspond" in missing.data.decode()


def test_changed_payments_refresh_totals_and_drop_the_cached_pdf(client, demo, auth, db):
    auth.login()
    _prepare(client, 2019)
    att = db.exec(select(Attestation)).one()
    first = db.exec(select(AttestationPdf)).one()
    payment = db.exec(
        select(Payment).where(Payment.period == "2019-03", Payment.pensioner_id == att.pensioner_id)
    ).one()
    payment.gross, payment.igr, payment.net = (
        payment.gross + 10000,
        payment.igr,
        payment.net + 10000,
    )
    db.commit()
    _prepare(client, 2019)
    db.refresh(att)
    again = db.exec(select(AttestationPdf)).one()
    assert att.gross_total == 134400_00 + 10000
    assert again.id != first.id and "134 500,00" in _pdf_text(again.pdf, "-layout")


def test_failed_render_shows_a_message_and_a_retry_button(client, demo, auth, db, monkeypatch):
    import jobs.pdf

    calls = {"n": 0}
    real = jobs.pdf.attestation_html

    def flaky(attestation_id, lang="fr"):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk full")
        return real(attestation_id, lang)

    monkeypatch.setattr(jobs.pdf, "attestation_html", flaky)
    auth.login()
    page = _prepare(client, 2022).data.decode()
    assert "pas pu être préparé" in page and "Réessayer" in page
    job = db.exec(select(JobRecord)).one()
    assert (job.status, job.error_code) == ("failed", "internal")
    retry = client.post(f"/space/jobs/{job.id}/retry", headers={"HX-Request": "true"})
    assert "Votre attestation 2022 est prête" in retry.data.decode()


def test_polling_partial_stops_when_done(client, demo, auth, db):
    auth.login()
    _prepare(client, 2018)
    job = db.exec(select(JobRecord)).one()
    page = client.get(f"/space/jobs/{job.id}", headers={"HX-Request": "true"}).data.decode()
    assert "every 1s" not in page and "Télécharger" in page
    job.status = "started"
    db.commit()
    page = client.get(f"/space/jobs/{job.id}", headers={"HX-Request": "true"}).data.decode()
    assert 'hx-trigger="every 1s"' in page


def test_another_pensioners_job_is_not_visible(app, demo, db):
    first, second = app.test_client(), app.test_client()
    AuthActions(first).login()
    AuthActions(second).login("DP100002")
    _prepare(first, 2021)
    job = db.exec(select(JobRecord)).one()
    assert second.get(f"/space/jobs/{job.id}").status_code == 404


def test_the_pdf_job_needs_no_request_and_links_to_the_configured_site(app, demo, db):
    """A worker has an application context only; the verify link follows PUBLIC_BASE_URL,
    a path prefix included."""
    from flask import has_request_context

    from jobs.pdf import attestation_html
    from webapp.db import get_session
    from webapp.models import Pensioner
    from webapp.services.attestations import get_or_issue

    app.config["PUBLIC_BASE_URL"] = "https://retraite.example.ma/dialvie/"
    with app.app_context():
        assert not has_request_context()
        pensioner = get_session().exec(select(Pensioner)).first()
        att = get_or_issue(get_session(), pensioner, 2021)
        html = attestation_html(att.id)
    assert f"https://retraite.example.ma/dialvie/verify/{att.code}" in html
    assert "ATTESTATION DE PENSION 2021" in html and "MAD" in html


def test_attestation_opens_on_the_last_complete_year(client, demo, auth):
    from webapp.services.local_time import local_today

    auth.login()
    this_year = local_today().year
    page = client.get("/space/attestation").get_data(as_text=True)
    assert f'<option value="{this_year - 1}" selected>' in page
    assert f"Année {this_year - 1}" in page
    assert f"{this_year} (année en cours)" in page
    current = client.get(f"/space/attestation?year={this_year}").get_data(as_text=True)
    assert "L'année n'est pas terminée" in current


def test_default_year_is_the_last_complete_one_else_the_newest():
    from webapp.services.attestations import default_year

    assert default_year([2026, 2025, 2024], 2026) == 2025
    assert default_year([2026], 2026) == 2026
    assert default_year([], 2026) is None


def _pdf_text(pdf: bytes, *options: str) -> str:
    """The PDF's text as pdftotext extracts it (logical order), bidi controls removed."""
    out = subprocess.run(
        ["pdftotext", *options, "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return out.translate(_BIDI_CONTROLS)


def _words(pdf: bytes) -> list[tuple[str, float, float]]:
    """(word, x of its left edge, y of its top) of every word pdftotext finds on the page."""
    out = _pdf_text(pdf, "-bbox")
    return [
        (word, float(x), float(y))
        for x, y, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]+)</word>', out
        )
    ]


def _x_of(words, wanted: str, y: float | None = None) -> float:
    """The left edge of ``wanted`` (pdftotext may give an Arabic word in visual order,
    its letters reversed), on the line at ``y`` if given."""
    for word, x, top in words:
        if word in (wanted, wanted[::-1]) and (y is None or abs(top - y) < 3):
            return x
    raise AssertionError(f"{wanted!r} not found in {[w for w, _, _ in words][:40]}")


def _y_of(words, wanted: str) -> float:
    return next(top for word, _, top in words if word in (wanted, wanted[::-1]))


def test_arabic_reader_gets_an_arabic_pdf_laid_out_right_to_left(client, demo, auth):
    auth.login("DP100002")  # Fatima EL IDRISSI reads the site in Arabic
    ready = _prepare(client, 2021).get_data(as_text=True)
    assert "/space/attestation/2021/ar.pdf" in ready and 'hreflang="ar"' in ready
    response = client.get("/space/attestation/2021/ar.pdf")
    assert response.status_code == 200 and response.headers["Content-Language"] == "ar"
    assert "attestation-DP100002-2021-ar.pdf" in response.headers["Content-Disposition"]
    # The reader's own address (no language in it) gives the same Arabic PDF.
    assert client.get("/space/attestation/2021.pdf").data == response.data
    pdf = response.data

    text = " ".join(_pdf_text(pdf).split())
    for expected in (
        "شهادة المعاش لسنة 2021",
        "المستفيد رقم DP100002",
        "الصافي المستحق",
        "الضريبة العامة على الدخل",
        "درهم",
        "النسخة الفرنسية وحدها هي المعتمدة",
    ):
        assert expected in text, expected
    assert "Somme perçue" not in text and "Net à payer" not in text
    arabic = sum("\u0600" <= ch <= "\u06ff" for ch in text)
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    assert arabic > 2 * latin

    # Right to left: the title's first word is its rightmost, the year (last) its leftmost;
    # the fund's name starts in the right half of the page.
    words = _words(pdf)
    title_y = _y_of(words, "لسنة")
    assert (
        _x_of(words, "شهادة", title_y)
        > _x_of(words, "المعاش", title_y)
        > _x_of(words, "لسنة", title_y)
        > _x_of(words, "2021", title_y)
    )
    assert _x_of(words, "Caisse") > 595 / 2
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True)
    assert b"Noto-Naskh-Arabic" in fonts.stdout


def test_the_french_version_is_always_offered_to_an_arabic_reader(client, demo, auth, db):
    auth.login("DP100002")
    ready = _prepare(client, 2021).get_data(as_text=True)
    assert "النسخة الفرنسية (PDF)" in ready and 'hreflang="fr"' in ready
    assert "النسخة الفرنسية هي الوثيقة الرسمية للصندوق" in ready
    # One job rendered both, Arabic first.
    job = db.exec(select(JobRecord)).one()
    assert job.args["args"][1:] == ["ar", "fr"]
    assert sorted(p.lang for p in db.exec(select(AttestationPdf)).all()) == ["ar", "fr"]
    french = client.get("/space/attestation/2021/fr.pdf")
    assert french.status_code == 200 and french.headers["Content-Language"] == "fr"
    text = " ".join(_pdf_text(french.data).split())
    assert "Somme perçue par Fatima EL IDRISSI" in text and "ATTESTATION DE PENSION 2021" in text
    assert "Traduction" not in text  # the official document says nothing of translations


def test_french_reader_is_offered_only_the_official_pdf(client, demo, auth, db):
    auth.login()
    ready = _prepare(client, 2021).get_data(as_text=True)
    assert "Version française" not in ready and "/space/attestation/2021/fr.pdf" in ready
    assert [p.lang for p in db.exec(select(AttestationPdf)).all()] == ["fr"]
    # An English rendering is not there until an English reader asks for it.
    assert client.get("/space/attestation/2021/en.pdf").status_code == 302


def test_english_reader_gets_an_english_pdf_and_the_french_one(client, demo, auth, db):
    auth.login()
    client.post("/lang/en")
    ready = _prepare(client, 2020).get_data(as_text=True)
    assert "French version (PDF)" in ready
    text = " ".join(_pdf_text(client.get("/space/attestation/2020/en.pdf").data).split())
    assert "PENSION CERTIFICATE 2020" in text and "Amount received by Mohammed BENANI" in text
    assert re.search(r"MAD\s134,400\.00", text)
    assert "only the French version is authoritative" in text


@pytest.mark.parametrize("lang", ["xx", "FR", "a%00", "fr-FR", "..", "zz" * 40])
def test_an_unknown_language_is_a_404(client, demo, auth, lang):
    auth.login()
    _prepare(client, 2021)
    assert client.get(f"/space/attestation/2021/{lang}.pdf").status_code == 404


def test_one_render_per_attestation_and_language_even_if_the_job_runs_twice(
    app, demo, db, monkeypatch
):
    """Run twice, the job renders nothing the second time; two jobs racing on the same
    language both render, but only one PDF is kept and both succeed."""
    import jobs.pdf
    from webapp.db import get_session
    from webapp.models import Pensioner
    from webapp.services.attestations import get_or_issue

    renders: list[str] = []
    real = jobs.pdf.attestation_html

    def counting(attestation_id, lang="fr"):
        renders.append(lang)
        return real(attestation_id, lang)

    monkeypatch.setattr(jobs.pdf, "attestation_html", counting)
    with app.app_context():
        pensioner = get_session().exec(select(Pensioner)).first()
        att = get_or_issue(get_session(), pensioner, 2021)
        first = jobs.pdf.render_attestation(att.id, "ar", "fr")
        second = jobs.pdf.render_attestation(att.id, "ar", "fr")
    assert renders == ["ar", "fr"]
    assert first == second and set(first["bytes"]) == {"ar", "fr"}

    # A race: while this job renders English, another job renders and stores it first.
    renders.clear()

    def racing(attestation_id, lang="fr"):
        if len(renders) == 0:
            renders.append(lang)
            jobs.pdf.render_attestation(attestation_id, lang)  # the other job, to the end
        else:
            renders.append(lang)
        return real(attestation_id, lang)

    monkeypatch.setattr(jobs.pdf, "attestation_html", racing)
    with app.app_context():
        result = jobs.pdf.render_attestation(att.id, "en")
    assert renders == ["en", "en"] and result["bytes"]["en"] > 0
    langs = [p.lang for p in db.exec(select(AttestationPdf)).all()]
    assert sorted(langs) == ["ar", "en", "fr"]


def test_the_job_refuses_an_unknown_language(app, demo):
    from jobs.pdf import render_attestation
    from webapp.db import get_session
    from webapp.models import Pensioner
    from webapp.services.attestations import get_or_issue
    from webapp.services.tasks import JobFailed

    with app.app_context():
        pensioner = get_session().exec(select(Pensioner)).first()
        att = get_or_issue(get_session(), pensioner, 2021)
        with pytest.raises(JobFailed):
            render_attestation(att.id, "de")


def test_the_arabic_pdfs_code_checks_out_on_the_verify_page(client, demo, auth, app):
    auth.login("DP100002")
    _prepare(client, 2021)
    text = " ".join(_pdf_text(client.get("/space/attestation/2021/ar.pdf").data).split())
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", text).group(0)
    assert f"http://localhost/verify/{code}" in text
    page = app.test_client().get(f"/verify/{code}")
    assert page.status_code == 200 and "F. E." in page.get_data(as_text=True)
