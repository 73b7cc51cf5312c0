"""The staff review queue: grey-zone proof-of-life attempts, approved or rejected with a reason."""

from __future__ import annotations

from flask import abort, make_response, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.users import staff_required
from ..db import get_session
from ..proof.messages import reason_text
from ..render import render_page
from ..services import proof_review as review_svc
from ..services.proof_store import ProofError
from . import bp


@bp.route("/review")
@staff_required()
def review_queue():
    """Attempts waiting for a human decision, oldest first.

    An agency visit is recorded from the pensioner's file (the page links to the
    search), never from a bare DP field.
    """
    return render_page(
        "staff/review.html",
        title=_l("Vérifications à faire"),
        items=review_svc.review_queue(get_session()),
    )


def _attempt_page(attempt_id: int, error: str | None = None, status: int = 200, found=None):
    found = found or review_svc.attempt_for_review(get_session(), attempt_id)
    if found is None:
        abort(404)
    attempt, pensioner = found
    return render_page(
        "staff/review_attempt.html",
        status=status,
        title=_l("Vérification d'une preuve de vie"),
        attempt=attempt,
        pensioner=pensioner,
        error=error,
        reason=request.form.get("reason", ""),
    )


@bp.route("/review/<int:attempt_id>", methods=["GET", "POST"])
@staff_required()
def review_attempt(attempt_id: int):
    """One attempt: measures, frames (if still kept) and the approve / reject form."""
    session = get_session()
    if request.method == "GET":
        found = review_svc.attempt_for_review(
            session, attempt_id, staff_id=current_user.id, ip=request.remote_addr
        )
        if found is None:
            abort(404)
        return _attempt_page(attempt_id, found=found)
    action = request.form.get("action")
    if action not in ("approve", "reject"):
        abort(400)
    try:
        review_svc.review(
            session,
            attempt_id,
            staff_id=current_user.id,
            approve=action == "approve",
            reason=request.form.get("reason", ""),
            ip=request.remote_addr,
        )
    except ProofError as exc:
        session.rollback()
        return _attempt_page(attempt_id, error=reason_text(exc.code), status=422)
    return _attempt_page(attempt_id)


@bp.route("/review/<int:attempt_id>/frames/<int:index>.jpg")
@staff_required()
def review_frame(attempt_id: int, index: int):
    """One decrypted frame for the reviewer; never cached."""
    try:
        data = review_svc.review_frame(
            get_session(), attempt_id, index, staff_id=current_user.id, ip=request.remote_addr
        )
    except ProofError:
        abort(404)
    response = make_response(data)
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["Cache-Control"] = "no-store"
    return response
