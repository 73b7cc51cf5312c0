"""The annual attestation: totals, a PDF rendered by a job and cached, a public check."""

import re
import subprocess

from sqlmodel import select

from tests.conftest import AuthActions
from webapp.models import Attestation, JobRecord, Payment


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
    assert att.pdf is not None
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
    assert att.gross_total == 134400_00 + 10000 and att.pdf is not None


def test_failed_render_shows_a_message_and_a_retry_button(client, demo, auth, db, monkeypatch):
    import jobs.pdf

    calls = {"n": 0}
    real = jobs.pdf.attestation_html

    def flaky(attestation_id):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk full")
        return real(attestation_id)

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
