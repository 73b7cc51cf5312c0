"""« Attester de votre vie »: intro, camera page, challenge, burst upload, job polling."""

from __future__ import annotations

from flask import abort, current_app, jsonify, make_response, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.users import current_pensioner, pensioner_required
from ..db import get_session
from ..extensions import htmx
from ..hardening import body_limit
from ..models import ProofAttempt
from ..render import render_page
from ..services import campaigns, proof_of_life as svc, proof_retry
from ..services.proof_store import ProofError
from ..services.tasks import job_status
from . import bp
from .messages import ACTIONS, action_text, daily_limit_text, last_time_texts, reason_text

TITLE = _l("Attester de votre vie")


@bp.app_context_processor
def proof_context():
    """``proof_home_status()`` for the home page's status block."""

    def proof_home_status():
        if not (current_user.is_authenticated and current_user.is_pensioner):
            return None
        return campaigns.home_status(get_session(), current_pensioner())

    return {"proof_home_status": proof_home_status}


def _blocker(pensioner) -> str | None:
    try:
        svc.check_can_attempt(get_session(), pensioner)
    except ProofError as exc:
        return exc.code
    return None


def _why(code: str | None) -> str | None:
    """A refusal's text; the daily limit also says when the next try is possible."""
    if code is None:
        return None
    if code == "daily_limit":
        return daily_limit_text(
            current_app.config["PROOF_DAILY_ATTEMPTS"], proof_retry.next_try_at()
        )
    return reason_text(code)


@bp.route("/")
@pensioner_required
def start():
    """The intro: status, what will happen, and the big « Commencer » button."""
    pensioner = current_pensioner()
    session = get_session()
    blocker = _blocker(pensioner)
    return render_page(
        "proof/start.html",
        title=TITLE,
        pol=campaigns.home_status(session, pensioner),
        blocker=blocker,
        blocker_text=_why(blocker),
    )


@bp.route("/camera")
@pensioner_required
def camera():
    """The camera screen. Always a full page load: it needs ``camera.js``."""
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url_for("proof.camera")
        return response
    pensioner = current_pensioner()
    blocker = _blocker(pensioner)
    cfg = current_app.config
    assert pensioner.id is not None
    return render_page(
        "proof/camera.html",
        title=TITLE,
        blocker=blocker,
        blocker_text=_why(blocker),
        last_time=last_time_texts(proof_retry.last_failure(get_session(), pensioner.id)),
        actions={code: str(text) for code, text in ACTIONS.items()},
        frames=min(cfg["PROOF_CAPTURE_FRAMES"], cfg["PROOF_MAX_FRAMES"]),
        step_min_ms=cfg["PROOF_STEP_MIN_MS"],
        step_max_ms=cfg["PROOF_STEP_MAX_MS"],
    )


@bp.route("/challenge", methods=["POST"])
@pensioner_required
def challenge():
    """A fresh challenge as JSON: the nonce and the two actions, worded."""
    try:
        row = svc.issue_challenge(get_session(), current_pensioner())
    except ProofError as exc:
        return jsonify(error=exc.code, message=_why(exc.code)), 409
    return jsonify(
        nonce=row.nonce,
        actions=[{"code": a, "text": action_text(a)} for a in row.actions],
        expires_in=current_app.config["PROOF_CHALLENGE_SECONDS"],
    )


@bp.route("/upload", methods=["POST"])
@body_limit(lambda cfg: cfg["PROOF_MAX_FRAMES"] * cfg["PROOF_MAX_FRAME_BYTES"] + 64 * 1024)
@pensioner_required
def upload():
    """The burst (multipart ``frames`` + ``nonce``): stored encrypted, then the face job."""
    pensioner = current_pensioner()
    session = get_session()
    cfg = current_app.config
    # Refuse an oversized body before parsing it into memory.
    limit = cfg["PROOF_MAX_FRAMES"] * cfg["PROOF_MAX_FRAME_BYTES"] + 64 * 1024
    try:
        if (request.content_length or 0) > limit:
            raise ProofError("image_too_large")
        files = [(f.mimetype or "", f.read()) for f in request.files.getlist("frames")]
        attempt = svc.accept_upload(session, pensioner, request.form.get("nonce", ""), files)
    except ProofError as exc:
        return _refused(exc.code)
    svc.start_check(session, attempt)
    return _attempt_page(attempt)


def _refused(code: str, status: int = 422):
    return render_page(
        "proof/refused.html",
        status=status,
        title=TITLE,
        code=code,
        text=_why(code),
        can_retry=_blocker(current_pensioner()) is None,
    )


def _owned_attempt(attempt_id: int) -> ProofAttempt:
    attempt = get_session().get(ProofAttempt, attempt_id)
    if attempt is None or attempt.pensioner_id != current_user.id:
        abort(404)
    return attempt


def _attempt_page(attempt: ProofAttempt):
    session = get_session()
    job = job_status(attempt.job_id) if attempt.job_id else None
    if attempt.decision == "pending" and svc.is_stale(job):
        svc.recover_stale(session, attempt_id=attempt.id)
        session.refresh(attempt)
        job = job_status(attempt.job_id) if attempt.job_id else None
    reasons = [reason_text(c) for c in dict.fromkeys(attempt.reasons or [])][:3]
    if attempt.decision == "no_match" and not reasons:
        reasons = [reason_text("no_match")]
    return render_page(
        "proof/attempt.html",
        title=TITLE,
        attempt=attempt,
        job=job,
        reasons=reasons,
        can_retry=_blocker(current_pensioner()) is None,
        limit_text=_why("daily_limit"),
    )


@bp.route("/attempts/<int:attempt_id>")
@pensioner_required
def attempt(attempt_id: int):
    """The polling partial: progress while the job runs, then the outcome."""
    return _attempt_page(_owned_attempt(attempt_id))


@bp.route("/attempts/<int:attempt_id>/retry", methods=["POST"])
@pensioner_required
def attempt_retry(attempt_id: int):
    """Start the check again after a technical failure (same frames, same nonce)."""
    attempt = _owned_attempt(attempt_id)
    job = job_status(attempt.job_id) if attempt.job_id else None
    if attempt.decision == "pending" and (job is None or job.status == "failed"):
        svc.start_check(get_session(), attempt)
    return _attempt_page(attempt)
