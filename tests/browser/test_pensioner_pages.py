"""A pensioner on a phone: payments, the attestation PDF and its check, contact details."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, login, open_from_menu

pytestmark = pytest.mark.browser

MONTH_ROW = re.compile(
    r"^(JANVIER|FÉVRIER|MARS|AVRIL|MAI|JUIN|JUILLET|AOÛT|SEPTEMBRE|OCTOBRE|NOVEMBRE|DÉCEMBRE)"
    r" \d{4}$"
)
MAD = re.compile(r"^\d{1,3}(?:[\u202f\u00a0 ]\d{3})*,\d{2}[\u202f\u00a0 ]MAD$")


def _check_payments_list(page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes paiements de pension")
    months = page.locator(".payment-month")
    assert months.count() >= 13  # this year and last; older years open on demand
    assert MONTH_ROW.match(months.first.inner_text()), months.first.inner_text()
    assert MAD.match(page.locator(".payment-net").first.inner_text())
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", page.locator(".payment-date").first.inner_text())


def test_pensioner_opens_payments_from_the_shortcut_bar(page):
    login(page)
    with page.expect_response(lambda r: r.url.endswith("/space/payments")) as info:
        page.locator("#shortcuts").get_by_role("link", name="Paiements").click()
    assert info.value.request.headers.get("hx-request") == "true"  # a swap, not a page load
    page.wait_for_url("**/space/payments")
    _check_payments_list(page)
    expect(page.locator("#shortcuts [aria-current=page]")).to_contain_text("Paiements")
    assert page.title().startswith("Mes paiements de pension")


def test_pensioner_opens_an_older_year_and_its_months_load(page):
    login(page)
    page.goto("/space/payments")
    year = page.locator("details.payment-year:not([open]) .year-label").first.inner_text()
    older = page.locator(f"#year-{year}")
    with page.expect_response(lambda r: r.url.endswith(f"/space/payments/{year}")):
        older.locator("summary").click()
    expect(older.locator(".payment-month")).to_have_count(12)
    expect(older.locator(".payment-month").first).to_contain_text(year)
    expect(older.locator(".year-total")).to_contain_text("MAD")


def test_pensioner_reloads_payments_and_expands_a_month(page):
    login(page)
    response = page.goto("/space/payments")
    assert "private" in response.headers["cache-control"]
    assert "HX-Request" in response.headers["vary"]
    _check_payments_list(page)
    first = page.locator("details.payment").first
    detail = first.locator(".payment-detail")
    expect(detail).to_be_hidden()
    first.locator("summary").click()
    expect(detail).to_be_visible()
    expect(detail).to_contain_text("Montant brut")
    expect(detail).to_contain_text("Montant net")
    expect(detail.locator("div").filter(has_text="Payé par :")).to_contain_text("Virement")
    gross = detail.locator("div").filter(has_text="Montant brut").locator("dd").inner_text()
    net = detail.locator("div").filter(has_text="Montant net").locator("dd").inner_text()
    assert MAD.match(gross) and MAD.match(net)
    assert _centimes(gross) > _centimes(net)


def _centimes(amount: str) -> int:
    return int(re.sub(r"\D", "", amount))


def test_pensioner_downloads_attestation_and_anyone_can_verify_it(page, tmp_path):
    login(page)
    page.goto("/space/attestation")
    year_box = page.get_by_label("Choisissez l'année")
    years = year_box.locator("option").all_inner_texts()
    year = years[1]  # the year before the latest: a full year
    year_box.select_option(year)
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("#totals-title")).to_have_text(f"Année {year}")
    net_total = page.locator(".totals div").filter(has_text="Net à payer").locator("dd")
    assert MAD.match(net_total.inner_text())

    page.get_by_role("button", name="Préparer mon attestation (PDF)").click()
    # The render runs in the RQ worker; the page polls until the link appears.
    expect(page.locator(".job")).to_contain_text("Préparation")
    download_link = page.get_by_role("link", name="Télécharger l'attestation (PDF)")
    expect(download_link).to_be_visible(timeout=30_000)
    code = re.search(
        r"Code Attestation : (\S+)", page.locator(".attestation-ready").inner_text()
    ).group(1)

    with page.expect_download() as info:
        download_link.click()
    pdf = tmp_path / "attestation.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    pdf_text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(pdf_text.split())
    assert "Somme perçue par" in flat
    assert "Allocataire N° DP100001" in flat
    assert f"au titre de l'année {year}" in flat
    assert "Délivrée pour servir et valoir ce que de droit" in flat
    assert code in flat

    page.goto(f"/verify/{code}")
    expect(page.get_by_role("heading", name="Attestation authentique")).to_be_visible()
    expect(page.locator(".verified")).to_contain_text(year)
    expect(page.locator(".verified")).not_to_contain_text("BENANI")


def test_pensioner_edits_contact_details(page, live_server):
    login(page)
    open_from_menu(page, "Mes coordonnées")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes coordonnées")

    def save() -> int:
        """Press "Enregistrer" and wait for the server's answer (swapped in by htmx)."""
        with page.expect_response(
            lambda r: r.url.endswith("/space/contact") and r.request.method == "POST"
        ) as answer:
            page.get_by_role("button", name="Enregistrer").click()
        return answer.value.status

    page.get_by_label("Adresse e-mail").fill("pas-une-adresse")
    assert save() == 422
    expect(page.locator("#email-error")).to_contain_text("Adresse e-mail invalide")
    email = page.get_by_label("Adresse e-mail")
    expect(email).to_have_attribute("aria-invalid", "true")
    assert "email-error" in email.get_attribute("aria-describedby")

    page.get_by_label("Adresse e-mail").fill("nouvelle@example.ma")
    assert save() == 422
    expect(page.locator("#password-error")).to_contain_text("mot de passe")
    stored = live_server.sql("SELECT email FROM pensioner WHERE dp_number='DP100001'")
    assert stored == [("m.benani@example.ma",)]

    page.get_by_label("Adresse e-mail").fill("m.benani@example.ma")
    page.get_by_label("Ville").fill("Rabat")
    page.get_by_label("Nombre d'enfants").fill("3")
    assert save() == 200
    expect(page.locator(".flash-success")).to_contain_text("Vos coordonnées ont été enregistrées")
    row = live_server.sql("SELECT city, children FROM pensioner WHERE dp_number='DP100001'")
    assert row == [("Rabat", 3)]

    page.get_by_label("Adresse e-mail").fill("nouvelle@example.ma")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    assert save() == 200
    # The new address waits for the code sent to it (tests/browser/test_email_change.py).
    expect(page.locator("#email-change")).to_contain_text("Un code a été envoyé à")
    page.reload()
    expect(page.get_by_label("Adresse e-mail")).to_have_value("m.benani@example.ma")
    live_server.sql("UPDATE pensioner SET pending_email=NULL WHERE dp_number='DP100001'")
