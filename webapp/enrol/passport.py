"""Procedure 1 « Récupération de la photo de votre passeport biométrique »: scan, check, done.

The chip read lives in :mod:`.passport_chip`, the shared selfie in :mod:`.selfie`.
"""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, make_response, request, url_for
from flask_babel import lazy_gettext as _l

from ..db import get_session
from ..extensions import limiter
from ..hardening import body_limit
from ..models import Pensioner
from ..render import render_page
from ..services import (
    chip_photo,
    enrol_selfie,
    enrolment as enrolment_svc,
    passport_enrol,
    passport_scan as scan_svc,
)
from ..services.dp import normalise_dp
from ..services.tasks import job_status
from . import bp
from .passport_messages import scan_text
from .steps import at_step, go

SCAN_TITLE = _l("Scanner votre passeport")
CHECK_TITLE = _l("Vérifiez vos informations")


# --- « Scanner » ----------------------------------------------------------------------------


@bp.route("/passport/scan")
@at_step("scan")
def passport_scan(enrolment):
    """The back camera with a frame for the open identity page; a photo upload as fallback."""
    return render_page(
        "enrol/scan.html",
        title=SCAN_TITLE,
        demo=bool(current_app.config.get("DEMO")),
        job=None,
        error=None,
    )


@bp.route("/passport/scan", methods=["POST"])
@body_limit(lambda cfg: cfg["ENROL_SCAN_MAX_BYTES"] + 64 * 1024)
@limiter.limit("60 per minute")
@at_step("scan")
def passport_scan_submit(enrolment):
    """One picture (a camera frame or an uploaded photo) → the MRZ job; its status partial."""
    upload = request.files.get("image")
    data = upload.read() if upload else b""
    if not data and current_app.config.get("DEMO") and request.form.get("demo"):
        from ..services.demo_passport import demo_page_jpeg

        data = demo_page_jpeg()
    try:
        job_id = scan_svc.submit(get_session(), enrolment, data)
    except scan_svc.ScanRefused as exc:
        return _scan_status(enrolment, None, error=exc.code, status=422)
    return _scan_status(enrolment, job_status(job_id))


@bp.route("/passport/scan/jobs/<job_id>")
@at_step("scan")
def passport_scan_job(enrolment, job_id: str):
    """The polling partial of this enrolment's scan job."""
    if not scan_svc.owns(enrolment, job_id):
        abort(404)
    return _scan_status(enrolment, job_status(job_id))


def _scan_status(enrolment, job, *, error: str | None = None, status: int = 200):
    """Running → poll; a valid passport MRZ → on to the chip; otherwise the reason, worded."""
    if job is not None:
        state, lines, error = scan_svc.outcome(job)
        if state == "valid":
            session = get_session()
            scan_svc.keep(session, enrolment, lines)
            enrolment_svc.advance(session, enrolment, "chip")
            return go(url_for("enrol.passport_chip"))
    return render_page(
        "enrol/scan_status.html",
        status=status,
        title=SCAN_TITLE,
        job=job,
        error=error,
        error_text=scan_text(error) if error else None,
    )


# --- « Vérification » -----------------------------------------------------------------------


def _check_page(enrolment, *, status: int = 200, dp_error=None, dead_end=None, dp=""):
    identity = (enrolment.data or {}).get("chip") or {}
    if not identity:  # nothing read (should not happen): start again from the scan
        enrolment_svc.go_back(get_session(), enrolment, "scan")
        return go(url_for("enrol.passport_scan"))
    return render_page(
        "enrol/check.html",
        birth=date.fromisoformat(identity["birth_date"]),
        expiry=date.fromisoformat(identity["expiry_date"]),
        status=status,
        title=CHECK_TITLE,
        identity=identity,
        foreign=not passport_enrol.is_moroccan(identity),
        dp=dp,
        dp_error=dp_error,
        dead_end=dead_end,
    )


@bp.route("/passport/check")
@at_step("check")
def passport_check(enrolment):
    """The chip's data (not the OCR's) and photo, for the pensioner to confirm."""
    return _check_page(enrolment)


@bp.route("/passport/photo")
@at_step("check", "contact", "code", "selfie")
def passport_photo(enrolment):
    """The chip photo of this enrolment, never cached."""
    try:
        photo = enrol_selfie.open_photo(enrolment)
    except enrol_selfie.SelfieError:
        abort(404)
    shown, mime = chip_photo.for_browser(photo)
    response = make_response(shown)
    response.headers["Content-Type"] = mime
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/passport/check", methods=["POST"])
@limiter.limit("20 per minute")
@at_step("check")
def passport_check_submit(enrolment):
    """« C'est bien moi »: find the pension file, then the contact step (or a dead end)."""
    session = get_session()
    if request.form.get("action") == "rescan":
        enrolment_svc.go_back(session, enrolment, "scan")
        return go(url_for("enrol.passport_scan"))
    identity = (enrolment.data or {}).get("chip") or {}
    foreign = not passport_enrol.is_moroccan(identity)
    dp = normalise_dp(request.form.get("dp_number"))[:20]
    if foreign and not dp:
        return _check_page(enrolment, status=422, dp_error=_l("Indiquez votre numéro de dossier."))
    try:
        pensioner: Pensioner = passport_enrol.find_pensioner(session, identity, dp)
        enrolment_svc.match_pensioner(session, enrolment, pensioner)
    except passport_enrol.ChipRefused:
        if foreign:
            message = _l("Ce numéro de dossier ne correspond pas au titulaire de ce passeport.")
            return _check_page(enrolment, status=422, dp_error=message, dp=dp)
        return _check_page(enrolment, status=422, dead_end="no_match")
    except enrolment_svc.AlreadyEnrolled:
        return _check_page(enrolment, status=409, dead_end="already_enrolled")
    # The code goes by SMS for a Moroccan passport, by e-mail for a foreign one.
    enrolment_svc.advance(session, enrolment, "contact", nationality=identity["nationality"])
    return go(url_for("enrol.contact"))


# --- the end --------------------------------------------------------------------------------


@bp.route("/done")
def done():
    """« Votre inscription est terminée »: log in with the DP number and the code."""
    return render_page("enrol/done.html", title=_l("Inscription terminée"))


from . import passport_chip, selfie  # noqa: E402,F401  (their routes register on bp)
