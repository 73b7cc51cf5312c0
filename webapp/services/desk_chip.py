"""Enrolment at the desk from the passport chip, read on the adviser's PC/SC reader.

The reader is plugged into the adviser's PC, not the server: the server opens a
relay session (the same ``RelayService`` as procedure 1) keyed by the MRZ data
the adviser typed, and the desk helper (``python -m nfc_bridge forward URL``)
carries the APDUs. The flow, one adviser and one file at a time:

1. :func:`start`: no reference yet, the identity check (document type and number
   equal to the registry's), the MRZ key data; a relay session is opened and
   remembered under ``nfc:desk:<staff>:<pensioner>`` in the relay's own store.
2. :func:`checked_read` once the read is done: procedure 1's checks (passive
   authentication passed, no failed active/chip authentication, document not
   expired, a photo) and DG1 equal to the registry's file. A refusal discards
   the session at once (nothing read is kept) and is audited.
3. :func:`confirm`: the DG2 face becomes the reference (``desk_chip``,
   encrypted template only), audited with the adviser and the agency; the relay
   session, which held the photo, is discarded.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from nfc_bridge.bac import MRZInfo
from nfc_bridge.errors import NfcError
from nfc_bridge.relay import RelayService, SessionNotFound
from nfc_bridge.relay.service import RETAIN_AFTER_EXPIRY

from ..errors import DomainError
from ..models import FaceReference, Pensioner, StaffUser
from . import proof_store
from .appointments import DOCUMENT_TYPES, DocumentMismatch, DocumentMissing, normalise_document
from .passport_enrol import ChipRefused, _check as check_chip_read, _norm as norm_name
from .pensioner_file import staff_audit

log = logging.getLogger(__name__)

SOURCE = "desk_chip"  # face_reference.source holds 10 characters
KEY_PREFIX = "nfc:desk:"
NUMBER_RE = re.compile(r"^[A-Z0-9]{1,20}$")

#: Relay failure codes → the desk's refusal codes.
_READ_FAILURES = {
    "bac_failed": "wrong_key",
    "pace_failed": "wrong_key",
    "invalid_mrz": "wrong_key",
    "session_expired": "expired",
    "relay_unknown_session": "expired",
    "relay_cancelled": "cancelled",
}


class DeskChipError(DomainError):
    """The desk read cannot go on; ``code`` names why (the staff page says it in words)."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code, **details)
        self.code = code


@dataclass
class KeyData:
    """What the adviser typed from the passport's photo page (kept to refill the form)."""

    number: str
    birth_date: str  # ISO, as the date input sends it
    expiry_date: str

    def mrz_information(self, today: date) -> str:
        """The BAC/PACE key string; ``DeskChipError`` names the first bad field."""
        number = normalise_document(self.number).replace("<", "")
        if not NUMBER_RE.match(number):
            raise DeskChipError("bad_number")
        try:
            birth = date.fromisoformat(self.birth_date)
        except ValueError:
            raise DeskChipError("bad_birth") from None
        try:
            expiry = date.fromisoformat(self.expiry_date)
        except ValueError:
            raise DeskChipError("bad_expiry") from None
        if birth >= today:
            raise DeskChipError("bad_birth")
        if expiry < today:
            raise DeskChipError("document_expired", expiry=expiry.isoformat())
        return MRZInfo(number, birth.strftime("%y%m%d"), expiry.strftime("%y%m%d")).key_string()


def _key(staff: StaffUser, pensioner: Pensioner) -> str:
    return f"{KEY_PREFIX}{staff.id}:{pensioner.id}"


def current(relay: RelayService, staff: StaffUser, pensioner: Pensioner) -> dict | None:
    """This adviser's read for this file: ``{"token", "document_type", "key"}`` or None."""
    raw = relay.store.get(_key(staff, pensioner))
    return json.loads(raw) if raw else None


def _forget(relay: RelayService, staff: StaffUser, pensioner: Pensioner) -> None:
    entry = current(relay, staff, pensioner)
    relay.store.delete(_key(staff, pensioner))
    if entry:
        _discard(relay, entry["token"])


def _discard(relay: RelayService, token: str) -> None:
    """End the relay session and delete it: its stored terminal holds the photo."""
    try:
        relay.cancel(token)
        relay.discard(token)
    except SessionNotFound:
        pass
    except NfcError:
        log.warning("desk relay session could not be discarded", exc_info=True)


def has_reference(session: Session, pensioner: Pensioner) -> bool:
    """Whether the file already has a reference photo (then the desk read is not offered)."""
    assert pensioner.id is not None
    return proof_store.reference_of(session, pensioner.id) is not None


def start(
    session: Session,
    relay: RelayService,
    staff: StaffUser,
    pensioner: Pensioner,
    document_type: str,
    number: str,
    key: KeyData,
    *,
    ip: str | None = None,
    today: date | None = None,
) -> str:
    """Check the identity document, open a relay session for the typed MRZ; its token.

    A wrong document number is refused and audited (``DocumentMismatch``); bad
    key data raises ``DeskChipError`` (``bad_number``, ``bad_birth``,
    ``bad_expiry``, ``document_expired``). A read already open by this adviser
    for this file is cancelled first.
    """
    today = today or date.today()
    if has_reference(session, pensioner):
        raise DeskChipError("already_enrolled")
    expected = pensioner.id_number if document_type == "cin" else pensioner.passport_number
    if document_type not in DOCUMENT_TYPES or not expected:
        raise DocumentMissing()
    if normalise_document(number) != normalise_document(expected):
        staff_audit(
            session, "desk_chip_refused", staff, pensioner, ip, document_type=document_type,
            reason="document_mismatch",
        )  # fmt: skip
        session.commit()
        raise DocumentMismatch()
    information = key.mrz_information(today)
    _forget(relay, staff, pensioner)
    try:
        token = relay.start(information, aa_challenge=secrets.token_bytes(8))["token"]
    except NfcError as exc:
        raise DeskChipError("bad_number") from exc
    entry = {"token": token, "document_type": document_type, "key": key.__dict__}
    relay.store.set(_key(staff, pensioner), json.dumps(entry), relay.ttl + RETAIN_AFTER_EXPIRY)
    staff_audit(session, "desk_chip_started", staff, pensioner, ip, document_type=document_type)
    session.commit()
    return token


def status(relay: RelayService, entry: dict) -> dict:
    """The read's progress (``{"status", "progress", "done", "error"}``); gone reads as expired."""
    try:
        return relay.status(entry["token"])
    except NfcError as exc:
        return {"status": "expired", "progress": 0.0, "done": True, "error": {"code": exc.code}}


@dataclass
class CheckedRead:
    """A finished read that passed every check, for the adviser to confirm."""

    identity: dict
    face_image: bytes
    face_mime: str
    active_auth: str


def _mismatches(identity: dict, pensioner: Pensioner, document_type: str) -> list[str]:
    """The DG1 fields that differ from the registry's file."""
    differs = []
    if identity["birth_date"] != pensioner.birth_date.isoformat():
        differs.append("birth_date")
    if identity["surname"] != norm_name(pensioner.last_name):
        differs.append("surname")
    first = norm_name(pensioner.first_name).split()
    if not first or not set(first) <= set(identity["given_names"].split()):
        differs.append("given_names")
    # The passport shown at the identity check is the registry's: the chip must be it.
    if document_type == "passport" and normalise_document(
        identity["document_number"] or ""
    ) != normalise_document(pensioner.passport_number or ""):
        differs.append("document_number")
    return differs


def checked_read(
    session: Session,
    relay: RelayService,
    staff: StaffUser,
    pensioner: Pensioner,
    entry: dict,
    *,
    ip: str | None = None,
    today: date | None = None,
) -> CheckedRead:
    """The finished read, checked; on a refusal the session is discarded and audited.

    Raises ``DeskChipError``: ``wrong_key``, ``expired``, ``cancelled``,
    ``read_failed`` (the relay's reason in ``details``), ``chip_not_authentic``,
    ``chip_cloned``, ``document_expired``, ``no_photo`` or ``identity_mismatch``.
    """
    today = today or date.today()
    try:
        try:
            result = relay.result(entry["token"])
        except NfcError as exc:
            code = _READ_FAILURES.get(exc.code, "read_failed")
            raise DeskChipError(code, reason=exc.code) from exc
        try:
            identity = check_chip_read(result, [], today)
        except ChipRefused as exc:
            raise DeskChipError(exc.code) from exc
        differs = _mismatches(identity, pensioner, entry.get("document_type", ""))
        if differs:
            raise DeskChipError("identity_mismatch", fields=differs)
    except DeskChipError as exc:
        _forget(relay, staff, pensioner)
        staff_audit(
            session, "desk_chip_refused", staff, pensioner, ip, reason=exc.code,
            detail=exc.details.get("reason") or exc.details.get("fields"),
        )  # fmt: skip
        session.commit()
        raise
    return CheckedRead(
        identity=identity,
        face_image=result.face_image,
        face_mime=result.face_mime or "image/jpeg",
        active_auth=str(result.active_auth.get("status")),
    )


def confirm(
    session: Session,
    relay: RelayService,
    staff: StaffUser,
    pensioner: Pensioner,
    *,
    ip: str | None = None,
    today: date | None = None,
) -> FaceReference:
    """The chip's photo becomes the reference (encrypted template); the read is discarded.

    The engine's ``PictureRefused``/``ImageError`` go through (nothing stored,
    the read discarded all the same).
    """
    entry = current(relay, staff, pensioner)
    if entry is None:
        raise DeskChipError("no_read")
    if has_reference(session, pensioner):
        _forget(relay, staff, pensioner)
        raise DeskChipError("already_enrolled")
    read = checked_read(session, relay, staff, pensioner, entry, ip=ip, today=today)
    try:
        row = proof_store.set_reference(
            session, pensioner, read.face_image, SOURCE, actor_type="staff", actor_id=staff.id
        )
    finally:
        _forget(relay, staff, pensioner)
    staff_audit(
        session, "desk_chip_enrolment", staff, pensioner, ip,
        document_type=entry.get("document_type"), passive_auth=True,
        active_auth=read.active_auth, nationality=read.identity.get("nationality"),
    )  # fmt: skip
    session.commit()
    return row


def cancel(
    session: Session,
    relay: RelayService,
    staff: StaffUser,
    pensioner: Pensioner,
    *,
    ip: str | None = None,
) -> None:
    """The adviser gave up: the relay session ends, nothing read is kept."""
    if current(relay, staff, pensioner) is None:
        return
    _forget(relay, staff, pensioner)
    staff_audit(session, "desk_chip_cancelled", staff, pensioner, ip)
    session.commit()
