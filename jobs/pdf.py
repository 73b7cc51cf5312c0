"""Attestation PDF rendering with WeasyPrint (an RQ job; idempotent)."""

from __future__ import annotations

import base64
import io
import threading

from flask import current_app
from flask_babel import force_locale

from webapp.db import get_session
from webapp.documents import public_url, render_document
from webapp.i18n import text_direction
from webapp.models import Attestation, Pensioner, utcnow
from webapp.services import attestations
from webapp.services.attestations import OFFICIAL_LANG
from webapp.services.tasks import JobFailed

_local = threading.local()


def qr_png_data_uri(data: str) -> str:
    """A QR code as an inline PNG (no image files, no external service).

    A bitmap rather than an SVG path: WeasyPrint draws it several times faster,
    and pixel edges are what a scanner wants anyway.
    """
    import qrcode

    img = qrcode.make(data, box_size=8, border=2)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _font_config():
    """One WeasyPrint font configuration per thread, reused from render to render
    (building it loads the system fonts: a good part of a render's time)."""
    from weasyprint.text.fonts import FontConfiguration

    if not hasattr(_local, "font_config"):
        _local.font_config = FontConfiguration()
    return _local.font_config


def warm_up() -> None:
    """Import WeasyPrint and load the fonts once, ahead of the first job.

    An RQ worker forks a child per job: done in the parent before it forks,
    this saves every attestation job most of a second (the import alone is
    ~0.6 s of CPU), and the child inherits the loaded font configuration.
    """
    from weasyprint import HTML

    HTML(string="<p>DialVie</p>").write_pdf(font_config=_font_config())


def attestation_html(attestation_id: int, lang: str = OFFICIAL_LANG) -> str:
    """The attestation as HTML in ``lang`` (French: the fund's official document)."""
    session = get_session()
    attestation = session.get(Attestation, attestation_id)
    if attestation is None:
        raise JobFailed("attestation_not_found")
    if lang not in current_app.config["LANGUAGES"]:
        raise JobFailed("unknown_language")
    pensioner = session.get(Pensioner, attestation.pensioner_id)
    verify_url = public_url("public.verify", code=attestation.code)
    with force_locale(lang):
        return render_document(
            "pdf/attestation.html",
            a=attestation,
            p=pensioner,
            lang=lang,
            dir=text_direction(lang),
            verify_url=verify_url,
            qr_src=qr_png_data_uri(verify_url),
            place=current_app.config["ATTESTATION_PLACE"],
            fund=current_app.config["FUND_NAME"],
            today=utcnow(),
        )


def render_attestation(attestation_id: int, *langs: str) -> dict:
    """Render and cache the PDF in each of ``langs`` (French if none is given).

    Idempotent: a language already cached is not rendered again. Two jobs racing on
    the same one both render it, but the database keeps exactly one (see
    :func:`webapp.services.attestations.store_pdf`); a PDF whose totals changed while
    it was being rendered is thrown away and rendered again.
    """
    from weasyprint import HTML

    session = get_session()
    sizes: dict[str, int] = {}
    for lang in langs or (OFFICIAL_LANG,):
        for _attempt in range(3):
            cached = attestations.cached_pdf(session, attestation_id, lang)
            if cached is not None:
                sizes[lang] = len(cached.pdf)
                break
            attestation = session.get(Attestation, attestation_id, populate_existing=True)
            if attestation is None:
                raise JobFailed("attestation_not_found")
            totals = attestations.totals_of(attestation)
            html = attestation_html(attestation_id, lang)
            pdf = HTML(string=html).write_pdf(font_config=_font_config())
            if attestations.store_pdf(session, attestation_id, lang, pdf, totals):
                sizes[lang] = len(pdf)
                break
        else:
            raise JobFailed("attestation_changed")
    return {"attestation_id": attestation_id, "bytes": sizes}
