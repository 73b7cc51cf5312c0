"""A pensioner who reads Arabic downloads the attestation in Arabic, and in French."""

from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _text(path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)
    return " ".join(out.stdout.translate(dict.fromkeys(range(0x202A, 0x202F))).split())


def test_arabic_reader_downloads_the_arabic_and_the_french_attestation(page, tmp_path):
    login(page, "DP100002")  # Fatima EL IDRISSI reads the site in Arabic
    page.goto("/space/attestation")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("#attestation-pdf button[type=submit]").click()
    arabic = page.get_by_role("link", name="تحميل الشهادة (PDF)")
    french = page.get_by_role("link", name="النسخة الفرنسية (PDF)")
    expect(arabic).to_be_visible(timeout=30_000)
    expect(french).to_be_visible()
    expect(page.locator(".attestation-ready")).to_contain_text("الوثيقة الرسمية للصندوق")

    saved = {}
    for lang, link in (("ar", arabic), ("fr", french)):
        with page.expect_download() as info:
            link.click()
        assert info.value.suggested_filename.endswith(f"-{lang}.pdf")
        saved[lang] = tmp_path / f"{lang}.pdf"
        info.value.save_as(saved[lang])
    assert "شهادة المعاش لسنة" in _text(saved["ar"])
    assert "Somme perçue par Fatima EL IDRISSI" in _text(saved["fr"])
