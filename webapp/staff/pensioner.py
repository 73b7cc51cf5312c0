"""The pensioner's file: status, proof of life, reminders, reference, history; desk actions.

Reset access and the in-agency proof of life are taken from the file, so the
adviser always sees whose file it is. Every action is audited.
"""

from __future__ import annotations

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from face_engine import FaceEngineError

from ..auth.users import staff_required
from ..db import get_session
from ..errors import DomainError
from ..models import Pensioner
from ..render import render_page
from ..services import pensioner_file as file_svc, pensioners as pensioner_svc
from . import bp, labels
from .desk_photo import desk_photo_text
from .routes import log_action


def _pensioner_or_404(pensioner_id: int) -> Pensioner:
    p = get_session().get(Pensioner, pensioner_id)
    if p is None:
        abort(404)
    return p


def _page(p: Pensioner, status: int = 200, **extra):
    session = get_session()
    assert p.id is not None
    return render_page(
        "staff/pensioner.html",
        status=status,
        title=_l("Dossier allocataire"),
        p=p,
        proofs=file_svc.proof_history(session, p.id),
        reminders=file_svc.reminders(session, p.id),
        reference=file_svc.reference(session, p.id),
        payments=pensioner_svc.payments(session, p.id, limit=24),
        alerts=pensioner_svc.alerts(session, p.id)[:20],
        trail=file_svc.trail(session, p.id),
        labels=labels,
        form=request.form,
        **extra,
    )


@bp.route("/pensioners/<int:pensioner_id>")
@staff_required()
def pensioner(pensioner_id: int):
    """The pensioner's file (the view itself is audited)."""
    p = _pensioner_or_404(pensioner_id)
    log_action("staff_view_pensioner", target_type="pensioner", target_id=p.id)
    return _page(p)


@bp.route("/pensioners/<int:pensioner_id>/reset-access", methods=["POST"])
@staff_required()
def reset_access(pensioner_id: int):
    """A temporary password sent to the pensioner; the adviser never sees it."""
    p = _pensioner_or_404(pensioner_id)
    try:
        channel = file_svc.reset_access(
            get_session(), current_user.record, p, ip=request.remote_addr
        )
    except DomainError as exc:
        get_session().rollback()
        return _page(p, status=422, reset_error=exc.message)
    return _page(p, reset_done=channel)


@bp.route("/pensioners/<int:pensioner_id>/proof-of-life", methods=["POST"])
@staff_required()
def proof_in_agency(pensioner_id: int):
    """In-agency proof of life: the typed document number must be the registry's."""
    p = _pensioner_or_404(pensioner_id)
    try:
        campaign = file_svc.attest_in_agency(
            get_session(),
            current_user.record,
            p,
            request.form.get("document_type", ""),
            request.form.get("number", "")[:40],
            ip=request.remote_addr,
        )
    except DomainError as exc:
        get_session().rollback()
        return _page(p, status=422, proof_error=exc.message)
    return _page(p, proof_done=campaign.quarter)


@bp.route("/pensioners/<int:pensioner_id>/enrol", methods=["POST"])
@staff_required()
def enrol_at_desk(pensioner_id: int):
    """Enrolment at the desk: identity check, then a reference photo from the desk's camera."""
    p = _pensioner_or_404(pensioner_id)
    upload = request.files.get("photo")
    try:
        file_svc.enrol_at_desk(
            get_session(),
            current_user.record,
            p,
            request.form.get("document_type", ""),
            request.form.get("number", "")[:40],
            upload.read() if upload else b"",
            ip=request.remote_addr,
        )
    except DomainError as exc:
        get_session().rollback()
        return _page(p, status=422, enrol_error=exc.message)
    except FaceEngineError as exc:
        get_session().rollback()
        return _page(p, status=422, enrol_error=desk_photo_text(exc.code))
    return _page(p, enrol_done=True)
