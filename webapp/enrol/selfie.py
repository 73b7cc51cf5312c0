"""« Lancer »: the enrolment selfie page, shared by both procedures.

The page is proof of life's camera (``static/js/camera.js``: the same markup ids,
its own challenge and upload URLs); the burst goes to the enrolment face job and
the outcome block polls until it is decided. What a match leads to depends on
the procedure and step (:data:`NEXT_STEP`); for a passport the account is
activated then and there (:func:`webapp.enrol.passport_finish.finish`).
"""

from __future__ import annotations

from flask import abort, current_app, jsonify, request
from flask_babel import lazy_gettext as _l

from ..db import get_session
from ..hardening import body_limit
from ..models import EnrolSelfie
from ..proof.messages import ACTIONS, action_text, reason_text
from ..render import render_page
from ..services import enrol_selfie, enrolment as enrolment_svc
from ..services.tasks import job_status
from . import bp
from .passport_finish import finish
from .steps import at_step, current_enrolment, go, resume_url

TITLE = _l("Photo de vérification")
SELFIE_STEPS = ("selfie", "visit_selfie")
#: Where an agency enrolment goes after a matching selfie (passport: ``finish``).
NEXT_STEP = {("agency", "selfie"): "contact", ("agency", "visit_selfie"): "adviser_code"}
EXTRA_REASONS = {
    "not_matched": _l("Votre dossier n'a pas encore été identifié. Reprenez l'inscription."),
    "photo_missing": _l(
        "La photo de la puce n'est plus disponible. Lisez à nouveau la puce de votre passeport."
    ),
}


def _text(code: str) -> str:
    return str(EXTRA_REASONS[code]) if code in EXTRA_REASONS else reason_text(code)


def _blocker(enrolment) -> str | None:
    try:
        enrol_selfie.check_can_try(get_session(), enrolment)
    except enrol_selfie.SelfieError as exc:
        return exc.code
    return None


@bp.route("/selfie")
@at_step(*SELFIE_STEPS, procedure=None)
def selfie(enrolment):
    """The camera page. Always a full page load: it needs ``camera.js``."""
    if request.headers.get("HX-Request"):
        return go(request.path)
    blocker = _blocker(enrolment)
    cfg = current_app.config
    return render_page(
        "enrol/selfie.html",
        title=TITLE,
        mode=enrol_selfie.mode_for(enrolment).value,
        blocker=blocker,
        blocker_text=_text(blocker) if blocker else None,
        actions={code: str(text) for code, text in ACTIONS.items()},
        frames=min(cfg["PROOF_CAPTURE_FRAMES"], cfg["PROOF_MAX_FRAMES"]),
        step_min_ms=cfg["PROOF_STEP_MIN_MS"],
        step_max_ms=cfg["PROOF_STEP_MAX_MS"],
    )


@bp.route("/selfie/challenge", methods=["POST"])
@at_step(*SELFIE_STEPS, procedure=None)
def selfie_challenge(enrolment):
    """A fresh liveness challenge as JSON (the camera script's contract)."""
    try:
        row = enrol_selfie.start_challenge(get_session(), enrolment)
    except enrol_selfie.SelfieError as exc:
        return jsonify(error=exc.code, message=_text(exc.code)), 409
    return jsonify(
        nonce=row.nonce,
        actions=[{"code": a, "text": action_text(a)} for a in row.actions],
        expires_in=current_app.config["PROOF_CHALLENGE_SECONDS"],
    )


@bp.route("/selfie/upload", methods=["POST"])
@body_limit(lambda cfg: cfg["PROOF_MAX_FRAMES"] * cfg["PROOF_MAX_FRAME_BYTES"] + 64 * 1024)
@at_step(*SELFIE_STEPS, procedure=None)
def selfie_upload(enrolment):
    """The burst: stored encrypted, then the enrolment face job; the outcome block."""
    cfg = current_app.config
    limit = cfg["PROOF_MAX_FRAMES"] * cfg["PROOF_MAX_FRAME_BYTES"] + 64 * 1024
    try:
        if (request.content_length or 0) > limit:
            raise enrol_selfie.SelfieError("image_too_large")
        files = [(f.mimetype or "", f.read()) for f in request.files.getlist("frames")]
        selfie = enrol_selfie.submit(get_session(), enrolment, request.form.get("nonce", ""), files)
    except enrol_selfie.SelfieError as exc:
        return _outcome(enrolment, None, refused=exc.code, status=422)
    return _outcome(enrolment, selfie)


@bp.route("/selfie/attempts/<int:selfie_id>")
def selfie_attempt(selfie_id: int):
    """The polling partial: progress while the job runs, then the outcome and what follows."""
    enrolment = current_enrolment()
    selfie = get_session().get(EnrolSelfie, selfie_id, populate_existing=True)
    if selfie is None or enrolment is None or selfie.enrolment_id != enrolment.id:
        # A finished passport enrolment is no longer "current": show its outcome once more.
        selfie = _finished_selfie(selfie_id)
        if selfie is None:
            abort(404)
        return _outcome(None, selfie)
    return _outcome(enrolment, selfie)


def _finished_selfie(selfie_id: int) -> EnrolSelfie | None:
    from flask import session

    selfie = get_session().get(EnrolSelfie, selfie_id)
    if selfie is not None and session.get("enrolled_selfie") == selfie_id:
        return selfie
    return None


def _outcome(enrolment, selfie: EnrolSelfie | None, *, refused: str | None = None, status=200):
    session = get_session()
    job = job_status(selfie.job_id) if selfie and selfie.job_id else None
    next_url = None
    if selfie is not None and selfie.decision == "match" and enrolment is not None:
        next_url = _after_match(session, enrolment, selfie)
    elif selfie is not None and selfie.decision == "match":
        next_url = "done"
    reasons = []
    if selfie is not None and selfie.decision not in ("pending", "match"):
        reasons = [_text(c) for c in dict.fromkeys(selfie.reasons or ["no_match"])][:3]
    can_retry = enrolment is not None and _blocker(enrolment) is None
    return render_page(
        "enrol/selfie_attempt.html",
        status=status,
        title=TITLE,
        selfie=selfie,
        job=job,
        refused_text=_text(refused) if refused else None,
        reasons=reasons,
        can_retry=can_retry,
        limit_text=_text("daily_limit"),
        next_url=next_url,
        procedure=enrolment.procedure if enrolment is not None else "passport",
    )


def _after_match(session, enrolment, selfie: EnrolSelfie) -> str:
    """Move the enrolment on after a match; returns where the pensioner goes next."""
    from flask import session as cookie

    if enrolment.procedure == "passport":
        finish(session, enrolment)
        cookie["enrolled_selfie"] = selfie.id
        return "done"
    target = NEXT_STEP.get((enrolment.procedure, enrolment.step))
    if target:
        enrolment_svc.advance(session, enrolment, target)
    return resume_url()
