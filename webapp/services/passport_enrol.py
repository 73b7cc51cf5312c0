"""Procedure 1, enrolment by biometric passport: the chip read and the registry match.

The scanned MRZ (``Enrolment.data["mrz"]``, from the MRZ job) keys a relay session
(:func:`start_chip_read`); the phone's helper, or the demo helper, carries the
APDUs; :func:`take_chip_result` takes the verified read, refuses a chip that
fails passive or active authentication, an expired document or a DG1 that
disagrees with the scanned MRZ, keeps the chip's identity and its DG2 photo
(encrypted) on the enrolment and discards the relay session. :func:`find_pensioner`
then looks the holder up in the registry: by identity for a Moroccan passport,
by DP number and identity for a foreign one. Nothing here knows Flask requests.
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from datetime import date

from sqlmodel import Session, select

from nfc_bridge.errors import NfcError
from nfc_bridge.relay import RelayService, SessionNotFound

from ..errors import DomainError
from ..models import Enrolment, Pensioner, utcnow
from . import audit
from .dp import normalise_dp
from .enrol_selfie import seal_photo

log = logging.getLogger(__name__)

#: Relay errors that mean « the phone lost the passport »: hold it still and retry.
_READ_CODES = {
    "chip_removed",
    "bac_failed",
    "pace_failed",
    "secure_messaging",
    "malformed_response",
    "status_word",
    "relay_cancelled",
    "session_expired",
    "relay_unknown_session",
    "relay_session_closed",
    "replay_detected",
    "relay_bad_payload",
}


class ChipRefused(DomainError):
    """The chip read cannot be used; ``code`` names why (see ``webapp.enrol.messages``)."""

    def __init__(self, code: str, **details):
        super().__init__(code, **details)
        self.code = code


# --- the scanned MRZ ------------------------------------------------------------------------


def td3_fields(lines: list[str]) -> dict:
    """The fields of a passport (TD3) MRZ, sliced at their ICAO 9303 positions.

    Check digits are the MRZ engine's job; here the two lines are only cut.
    """
    l1, l2 = lines[0], lines[1]
    names = l1[5:44].rstrip("<").split("<<", 1)
    return {
        "document_code": l1[0:2].replace("<", ""),
        "issuing_state": l1[2:5].replace("<", ""),
        "surname": names[0].replace("<", " ").strip(),
        "given_names": (names[1] if len(names) > 1 else "").replace("<", " ").strip(),
        "document_number": l2[0:9].replace("<", ""),
        "nationality": l2[10:13].replace("<", ""),
        "birth_date": l2[13:19],
        "sex": l2[20],
        "expiry_date": l2[21:27],
    }


def scanned_mrz(enrolment: Enrolment) -> list[str] | None:
    """The MRZ lines the scan step kept, or None."""
    lines = (enrolment.data or {}).get("mrz_lines")
    return list(lines) if lines else None


# --- the chip read --------------------------------------------------------------------------


def start_chip_read(relay: RelayService, enrolment: Enrolment) -> str:
    """Open a relay session keyed by the scanned MRZ; returns its token (kept server-side).

    The server chooses the active-authentication challenge (a genuine chip signs it).
    """
    lines = scanned_mrz(enrolment)
    if not lines:
        raise ChipRefused("no_mrz")
    try:
        started = relay.start("".join(lines), aa_challenge=secrets.token_bytes(8))
    except NfcError as exc:  # an MRZ the terminal cannot use: scan again
        raise ChipRefused("no_mrz") from exc
    return started["token"]


def chip_status(relay: RelayService, token: str | None) -> dict:
    """The read's progress for the polling partial (a vanished session reads as expired)."""
    if not token:
        return {"status": "none", "progress": 0.0, "done": False, "error": None}
    try:
        return relay.status(token)
    except NfcError as exc:
        return {"status": "expired", "progress": 0.0, "done": True, "error": {"code": exc.code}}


def _yymmdd(value: str, *, future: bool) -> date:
    """A YYMMDD MRZ date: birth dates lie in the past, expiry dates at most 50 years ahead."""
    yy, mm, dd = int(value[0:2]), int(value[2:4]), int(value[4:6])
    this = date.today().year % 100
    recent = yy <= this + 50 if future else yy <= this
    return date((2000 if recent else 1900) + yy, mm, dd)


def _norm(text: str | None) -> str:
    """Upper-case letters only, accents dropped, one space between words."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^A-Z]+", " ", plain.upper()).split())


def take_chip_result(
    session: Session,
    relay: RelayService,
    enrolment: Enrolment,
    token: str,
    *,
    today: date | None = None,
) -> dict:
    """Take a finished read, check it, keep identity + photo; the relay session is discarded.

    Returns the chip identity kept in ``Enrolment.data["chip"]``. Raises
    :class:`ChipRefused` with ``read_failed`` (the relay's ``reason`` detail),
    ``chip_not_authentic`` (passive authentication), ``chip_cloned`` (active or
    chip authentication failed), ``document_expired``, ``chip_mismatch`` (DG1 is
    not the scanned passport) or ``no_photo``. Nothing is kept on a refusal.
    """
    today = today or date.today()
    try:
        try:
            result = relay.result(token)
        except NfcError as exc:
            raise ChipRefused(
                "read_failed", reason=exc.code if exc.code in _READ_CODES else "other"
            ) from exc
        identity = _check(result, scanned_mrz(enrolment) or [], today)
    except ChipRefused as exc:
        _discard(relay, token)
        audit.record(
            session,
            "enrolment_chip_refused",
            actor_type="system",
            target_type="enrolment",
            target_id=enrolment.id,
            reason=exc.code,
            detail=exc.details.get("reason"),
        )
        data = dict(enrolment.data or {})
        data.pop("relay_token", None)
        enrolment.data = data
        session.add(enrolment)
        session.commit()
        raise
    data = dict(enrolment.data or {})
    data.pop("relay_token", None)
    data["chip"] = identity
    enrolment.data = data
    enrolment.reference_photo = seal_photo(enrolment, result.face_image)
    enrolment.updated_at = utcnow()
    session.add(enrolment)
    audit.record(
        session,
        "enrolment_chip_read",
        actor_type="system",
        target_type="enrolment",
        target_id=enrolment.id,
        passive_auth=bool(result.passive_auth.get("passed")),
        active_auth=result.active_auth.get("status"),
        chip_auth=result.chip_auth.get("status"),
        nationality=identity["nationality"],
    )
    session.commit()
    _discard(relay, token)
    return identity


def _discard(relay: RelayService, token: str) -> None:
    try:
        relay.discard(token)
    except SessionNotFound:
        pass
    except NfcError:
        log.warning("relay session could not be discarded", exc_info=True)


def _check(result, scanned: list[str], today: date) -> dict:
    """The chip identity if the read can be trusted for this scan, else ChipRefused."""
    if not result.passive_auth.get("passed"):
        raise ChipRefused("chip_not_authentic")
    if result.active_auth.get("status") == "fail" or result.chip_auth.get("status") == "fail":
        raise ChipRefused("chip_cloned")
    dg1 = result.dg1
    if not dg1:
        raise ChipRefused("chip_not_authentic")
    if scanned:
        ocr = td3_fields(scanned)
        keys = ("document_number", "birth_date", "expiry_date", "nationality", "sex")
        differs = [k for k in keys if (dg1.get(k) or "") != ocr[k]]
        differs += [k for k in ("surname", "given_names") if _norm(dg1.get(k)) != _norm(ocr[k])]
        if differs:
            raise ChipRefused("chip_mismatch", fields=differs)
    try:
        expiry = _yymmdd(dg1["expiry_date"], future=True)
        birth = _yymmdd(dg1["birth_date"], future=False)
    except (KeyError, ValueError) as exc:
        raise ChipRefused("chip_not_authentic") from exc
    if expiry < today:
        raise ChipRefused("document_expired", expiry=expiry.isoformat())
    if result.face_image is None:
        raise ChipRefused("no_photo")
    return {
        "surname": _norm(dg1.get("surname")),
        "given_names": _norm(dg1.get("given_names")),
        "document_number": dg1.get("document_number"),
        "nationality": dg1.get("nationality"),
        "issuing_state": dg1.get("issuing_state"),
        "sex": dg1.get("sex"),
        "birth_date": birth.isoformat(),
        "expiry_date": expiry.isoformat(),
        "genuine_chip": bool(result.genuine_chip),
    }


# --- the registry match ---------------------------------------------------------------------


def is_moroccan(identity: dict) -> bool:
    """A Moroccan passport: found by identity, code by SMS."""
    return identity.get("nationality") == "MAR"


def find_pensioner(session: Session, identity: dict, dp_number: str | None = None) -> Pensioner:
    """The registry's pensioner for this chip identity, or :class:`ChipRefused` ``no_match``.

    Moroccan passport: same birth date and last name, and the same passport
    number or first names; exactly one such file. Foreign passport: the DP
    number given, with the same birth date and last name.
    """
    birth = date.fromisoformat(identity["birth_date"])
    surname = _norm(identity["surname"])
    if is_moroccan(identity):
        rows = session.exec(select(Pensioner).where(Pensioner.birth_date == birth)).all()
        found = [
            p
            for p in rows
            if _norm(p.last_name) == surname
            and (
                (p.passport_number or "").upper() == identity["document_number"]
                or _norm(p.first_name) == _norm(identity["given_names"])
            )
        ]
    else:
        dp = normalise_dp(dp_number)
        query = select(Pensioner).where(Pensioner.dp_number == dp)
        row = session.exec(query).first() if dp else None
        found = [row] if row and row.birth_date == birth and _norm(row.last_name) == surname else []
    if len(found) != 1:
        raise ChipRefused("no_match")
    return found[0]
