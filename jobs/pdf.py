"""Attestation PDF rendering with WeasyPrint (an RQ job; idempotent)."""

from __future__ import annotations

import io

from flask import current_app, render_template
from flask_babel import force_locale

from .queue import JobFailed


def qr_svg(data: str) -> str:
    """An inline SVG QR code (no image files, no external service)."""
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    img.save(buffer)
    return buffer.getvalue().decode()


def attestation_html(attestation_id: int) -> str:
    """The attestation as HTML (French, the fund's official language for documents)."""
    from webapp.db import get_session
    from webapp.models import Attestation, Pensioner, utcnow

    session = get_session()
    attestation = session.get(Attestation, attestation_id)
    if attestation is None:
        raise JobFailed("attestation_not_found")
    pensioner = session.get(Pensioner, attestation.pensioner_id)
    verify_url = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/verify/{attestation.code}"
    # A worker has no request: give the templates' context processors (which
    # look at current_user) an anonymous one.
    with current_app.test_request_context("/"), force_locale("fr"):
        return render_template(
            "pdf/attestation.html",
            a=attestation,
            p=pensioner,
            verify_url=verify_url,
            qr=qr_svg(verify_url),
            place=current_app.config["ATTESTATION_PLACE"],
            fund=current_app.config["FUND_NAME"],
            today=utcnow(),
        )


def render_attestation(attestation_id: int) -> dict:
    """Render and cache the PDF on the attestation row (does nothing if already cached)."""
    from weasyprint import HTML

    from webapp.db import get_session
    from webapp.models import Attestation, utcnow

    session = get_session()
    attestation = session.get(Attestation, attestation_id)
    if attestation is None:
        raise JobFailed("attestation_not_found")
    if attestation.pdf is None:
        pdf = HTML(string=attestation_html(attestation_id)).write_pdf()
        attestation.pdf = pdf
        attestation.pdf_rendered_at = utcnow()
        session.commit()
    return {"attestation_id": attestation_id, "bytes": len(attestation.pdf or b"")}
