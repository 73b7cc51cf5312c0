"""« Lire la puce du passeport (lecteur de bureau) » in the pensioner's file.

The adviser checks the identity document and types the MRZ key data; the page
shows the one command that the desk helper runs on the adviser's PC
(``python -m nfc_bridge forward <session URL>``), polls the read, then shows the
chip photo beside the file's name and birth date for « Enregistrer comme photo
de référence ». Every step answers the section ``#desk-chip`` only (htmx), or
the whole desk page without htmx. Any adviser may do it, after the identity check.
"""

from __future__ import annotations

from datetime import date

from flask import abort, make_response, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from face_engine import FaceEngineError

from ..auth.users import staff_required
from ..db import get_session
from ..errors import DomainError
from ..extensions import limiter
from ..models import Pensioner
from ..proof.messages import reason_text
from ..render import is_partial_request, render_page
from ..services import chip_photo, desk_chip as svc
from ..services.nfc_relay import relay_service
from . import bp, labels

#: The desk helper's command line, followed by the session URL.
HELPER_COMMAND = "python -m nfc_bridge forward"

MESSAGES = {
    "already_enrolled": _l("Ce dossier a déjà une photo de référence."),
    "bad_number": _l(
        "Saisissez le numéro du passeport tel qu'il figure sur la page photo (lettres et chiffres)."
    ),
    "bad_birth": _l("Saisissez la date de naissance figurant sur la page photo du passeport."),
    "bad_expiry": _l("Saisissez la date d'expiration figurant sur la page photo du passeport."),
    "wrong_key": _l(
        "La puce a refusé l'accès : le numéro du passeport, la date de naissance ou la date "
        "d'expiration saisis ne sont pas ceux de ce passeport. Vérifiez-les sur la page photo "
        "et relancez la lecture."
    ),
    "read_failed": _l(
        "La lecture s'est interrompue (passeport déplacé ou retiré du lecteur). Laissez le "
        "passeport posé sur le lecteur jusqu'à la fin et relancez la lecture."
    ),
    "expired": _l("La session de lecture a expiré avant la fin. Relancez la lecture."),
    "cancelled": _l("La lecture a été annulée. Vous pouvez la relancer."),
    "no_read": _l("Aucune lecture en cours pour ce dossier. Relancez la lecture."),
    "chip_not_authentic": _l(
        "L'authentification passive a échoué : la signature des données de la puce n'a pas "
        "pu être vérifiée. Ce passeport ne peut pas servir ; prenez la photo avec la caméra "
        "du guichet."
    ),
    "chip_cloned": _l(
        "La puce n'a pas prouvé qu'elle est authentique (authentification active). Ce "
        "passeport ne peut pas servir ; prenez la photo avec la caméra du guichet."
    ),
    "document_expired": _l(
        "Ce passeport a expiré : il ne peut pas servir. Prenez la photo avec la caméra du guichet."
    ),
    "no_photo": _l(
        "La puce ne contient pas de photo lisible. Prenez la photo avec la caméra du guichet."
    ),
    "identity_mismatch": _l(
        "Les données de la puce (nom, prénoms, date de naissance ou numéro) ne sont pas celles "
        "de ce dossier. Vérifiez que vous êtes dans le bon dossier et que le passeport est "
        "celui de l'allocataire. Rien n'a été enregistré."
    ),
}
#: Refusals that no new read can fix: the desk camera is the way forward.
FINAL = {"chip_not_authentic", "chip_cloned", "document_expired", "no_photo"}
#: Refusals caused by the MRZ key data typed: those fields are marked.
KEY_FIELDS = {
    "bad_number": ["number"],
    "bad_birth": ["birth"],
    "bad_expiry": ["expiry"],
    "wrong_key": ["number", "birth", "expiry"],
    "document_expired": ["expiry"],
}


def _pensioner_or_404(pensioner_id: int) -> Pensioner:
    p = get_session().get(Pensioner, pensioner_id)
    if p is None:
        abort(404)
    return p


def _respond(p: Pensioner, state: str, status: int = 200, **context):
    """The section in a given state: alone for htmx, in the desk page otherwise."""
    entry = context.pop("entry", None) or {}
    key = context.pop("key", None) or entry.get("key") or {}
    values = {
        "chip_number": key.get("number", p.passport_number or ""),
        "chip_birth": key.get("birth_date", p.birth_date.isoformat()),
        "chip_expiry": key.get("expiry_date", ""),
        "chip_document_type": context.pop("document_type", None)
        or entry.get("document_type", "passport"),
    }
    code = context.get("chip_error_code")
    context.update(
        p=p,
        labels=labels,
        chip_state=state,
        chip_error=context.get("chip_error") or (str(MESSAGES[code]) if code else None),
        chip_final=context.pop("chip_final", False) or code in FINAL,
        chip_bad=KEY_FIELDS.get(code or "", []),
        **values,
    )
    if is_partial_request():
        # The file around the section is updated too (its reference line, the camera form).
        context["chip_oob"] = True
        return make_response(render_template("staff/_desk_chip.html", **context), status)
    return render_page(
        "staff/desk_chip.html", status=status, title=_l("Lecture de la puce"), **context
    )


def _waiting(p: Pensioner, entry: dict, read: dict, *, progress_only: bool = False):
    session_url = url_for("nfc.session_landing", token=entry["token"], _external=True)
    return _respond(
        p,
        "waiting",
        entry=entry,
        chip_read=read,
        chip_command=f"{HELPER_COMMAND} {session_url}",
        chip_progress_only=progress_only,
        chip_minutes=max(1, int(relay_service().ttl // 60)),
    )


@bp.route("/pensioners/<int:pensioner_id>/chip")
@staff_required()
def desk_chip(pensioner_id: int):
    """The section's current state (the file loads it, then it polls while waiting)."""
    p = _pensioner_or_404(pensioner_id)
    session, relay = get_session(), relay_service()
    if svc.has_reference(session, p):
        return _respond(p, "enrolled")
    entry = svc.current(relay, current_user.record, p)
    if entry is None:
        return _respond(p, "form")
    read = svc.status(relay, entry)
    polling = request.args.get("part") == "progress"
    if not read["done"]:
        return _waiting(p, entry, read, progress_only=polling)
    try:
        checked = svc.checked_read(
            session, relay, current_user.record, p, entry, ip=request.remote_addr
        )
    except svc.DeskChipError as exc:
        response = _respond(p, "form", entry=entry, chip_error_code=exc.code)
    else:
        shown = {
            **checked.identity,
            "birth_date": date.fromisoformat(checked.identity["birth_date"]),
            "expiry_date": date.fromisoformat(checked.identity["expiry_date"]),
        }
        response = _respond(p, "ready", entry=entry, chip_identity=shown)
    if polling:  # the progress bar asked: the read is over, the whole section changes
        response.headers["HX-Retarget"] = "#desk-chip"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


@bp.route("/pensioners/<int:pensioner_id>/chip/start", methods=["POST"])
@staff_required()
@limiter.limit("30 per minute")
def desk_chip_start(pensioner_id: int):
    """Identity check + MRZ key data: a relay session for the desk helper."""
    p = _pensioner_or_404(pensioner_id)
    form = request.form
    key = svc.KeyData(
        number=form.get("chip_number", "")[:40],
        birth_date=form.get("chip_birth", "")[:20],
        expiry_date=form.get("chip_expiry", "")[:20],
    )
    document_type = form.get("document_type", "")[:20]
    session, relay = get_session(), relay_service()
    try:
        svc.start(
            session,
            relay,
            current_user.record,
            p,
            document_type,
            form.get("number", "")[:40],
            key,
            ip=request.remote_addr,
        )
    except svc.DeskChipError as exc:
        session.rollback()
        return _respond(
            p, "form", 422, key=key.__dict__, document_type=document_type, chip_error_code=exc.code
        )
    except DomainError as exc:  # the identity check: wrong or missing document
        session.rollback()
        return _respond(
            p,
            "form",
            422,
            key=key.__dict__,
            document_type=document_type,
            chip_error=exc.message,
            chip_identity_error=True,
        )
    entry = svc.current(relay, current_user.record, p)
    assert entry is not None
    return _waiting(p, entry, svc.status(relay, entry))


@bp.route("/pensioners/<int:pensioner_id>/chip/photo")
@staff_required()
def desk_chip_photo(pensioner_id: int):
    """The chip's photo of the finished read (never cached, never stored)."""
    p = _pensioner_or_404(pensioner_id)
    relay = relay_service()
    entry = svc.current(relay, current_user.record, p)
    if entry is None:
        abort(404)
    try:
        checked = svc.checked_read(
            get_session(), relay, current_user.record, p, entry, ip=request.remote_addr
        )
    except svc.DeskChipError:
        abort(404)
    shown, mime = chip_photo.for_browser(checked.face_image)
    response = make_response(shown)
    response.headers["Content-Type"] = mime
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/pensioners/<int:pensioner_id>/chip/confirm", methods=["POST"])
@staff_required()
def desk_chip_confirm(pensioner_id: int):
    """« Enregistrer comme photo de référence »: the chip photo becomes the reference."""
    p = _pensioner_or_404(pensioner_id)
    session = get_session()
    try:
        row = svc.confirm(session, relay_service(), current_user.record, p, ip=request.remote_addr)
    except svc.DeskChipError as exc:
        session.rollback()
        return _respond(p, "form", 422, chip_error_code=exc.code)
    except FaceEngineError as exc:
        session.rollback()
        return _respond(p, "form", 422, chip_error=reason_text(exc.code), chip_final=True)
    return _respond(p, "done", reference=row)


@bp.route("/pensioners/<int:pensioner_id>/chip/cancel", methods=["POST"])
@staff_required()
def desk_chip_cancel(pensioner_id: int):
    """Give up this read: the relay session ends, nothing read is kept."""
    p = _pensioner_or_404(pensioner_id)
    svc.cancel(get_session(), relay_service(), current_user.record, p, ip=request.remote_addr)
    return _respond(p, "form", chip_error_code="cancelled")
