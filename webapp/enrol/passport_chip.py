"""« Lecture de la puce »: a relay session keyed by the scanned MRZ, the helper, the result.

The relay token is a bearer capability for the helper: it goes into the intent
link and the enrolment's server-side data, never into the page's script. The
page polls :func:`passport_chip_status`; once the read is over the result is
taken (checked, kept, session discarded) and the pensioner moves on to the check.
"""

from __future__ import annotations

import threading

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l

from nfc_bridge.relay import intent_link, play_helper

from ..db import get_session
from ..extensions import limiter
from ..render import render_page
from ..services import enrolment as enrolment_svc, passport_enrol
from ..services.nfc_relay import relay_service
from . import bp
from .passport_messages import FINAL, RESCAN, chip_code, chip_text
from .steps import at_step, go

TITLE = _l("Lecture de la puce")


def _token(enrolment) -> str | None:
    return (enrolment.data or {}).get("relay_token")


def _page(enrolment, *, error: str | None = None, status: int = 200):
    token = _token(enrolment)
    read = passport_enrol.chip_status(relay_service(), token)
    agent = request.headers.get("User-Agent", "")
    return render_page(
        "enrol/chip.html",
        status=status,
        title=TITLE,
        read=read,
        active=bool(token) and read["status"] == "active",
        link=_link(token) if token else None,
        android="Android" in agent,
        demo=bool(current_app.config.get("DEMO")),
        error=error,
        error_text=chip_text(error) if error else None,
        final=error in FINAL,
        rescan=error in RESCAN,
    )


def _link(token: str) -> str:
    return intent_link(
        url_for("nfc.session_landing", token=token, _external=True),
        url_for("enrol.passport_chip", _external=True),
        url_for("nfc.helper", _external=True),
    )


@bp.route("/passport/chip")
@at_step("chip")
def passport_chip(enrolment):
    """« Fermez votre passeport, placez votre smartphone sur la face du passeport fermé »."""
    return _page(enrolment)


def _start(enrolment) -> str:
    """A fresh relay session for this enrolment (an older one is cancelled)."""
    session = get_session()
    relay = relay_service()
    old = _token(enrolment)
    if old:
        try:
            relay.cancel(old)
            relay.discard(old)
        except Exception:  # noqa: BLE001 - an old session that vanished is fine
            pass
    token = passport_enrol.start_chip_read(relay, enrolment)
    enrolment.data = {**(enrolment.data or {}), "relay_token": token}
    session.add(enrolment)
    session.commit()
    return token


@bp.route("/passport/chip/start", methods=["POST"])
@limiter.limit("20 per minute")
@at_step("chip")
def passport_chip_start(enrolment):
    """« Lire la puce »: open a session; the page shows the helper's link and polls."""
    try:
        _start(enrolment)
    except passport_enrol.ChipRefused as exc:
        return _page(enrolment, error=exc.code, status=422)
    return _page(enrolment)


@bp.route("/passport/chip/demo", methods=["POST"])
@limiter.limit("20 per minute")
@at_step("chip")
def passport_chip_demo(enrolment):
    """Demo mode: the scripted helper reads the simulated demo passport through the relay."""
    if not current_app.config.get("DEMO"):
        return _page(enrolment, error="read_failed", status=404)
    try:
        token = _start(enrolment)
    except passport_enrol.ChipRefused as exc:
        return _page(enrolment, error=exc.code, status=422)
    from nfc_bridge.sim import demo_passport

    chip, _mrz, _trust = demo_passport(delay=0.05)
    relay = relay_service()
    # In a thread, as a phone would: the page polls the session's progress meanwhile.
    threading.Thread(
        target=play_helper,
        args=(lambda body: relay.exchange(token, **body), chip.transmit),
        daemon=True,
    ).start()
    return _page(enrolment)


@bp.route("/passport/chip/cancel", methods=["POST"])
@at_step("chip")
def passport_chip_cancel(enrolment):
    """Give up this read (the helper's session ends, nothing is kept)."""
    token = _token(enrolment)
    if token:
        try:
            passport_enrol.take_chip_result(get_session(), relay_service(), enrolment, token)
        except passport_enrol.ChipRefused:
            pass
    return _page(enrolment)


@bp.route("/passport/chip/status")
@at_step("chip")
def passport_chip_status(enrolment):
    """The polling partial: progress, then the result taken (or refused with its reason)."""
    token = _token(enrolment)
    relay = relay_service()
    read = passport_enrol.chip_status(relay, token)
    if not token or not read["done"]:
        return _page(enrolment)
    session = get_session()
    try:
        passport_enrol.take_chip_result(session, relay, enrolment, token)
    except passport_enrol.ChipRefused as exc:
        code = chip_code(exc.code, exc.details.get("reason"))
        return _page(enrolment, error=code, status=200)
    enrolment_svc.advance(session, enrolment, "check")
    return go(url_for("enrol.passport_check"))


@bp.route("/passport/chip/rescan", methods=["POST"])
@at_step("chip")
def passport_chip_rescan(enrolment):
    """Scan the page again (the chip refused the scanned MRZ, or it was another passport)."""
    enrolment_svc.go_back(get_session(), enrolment, "scan")
    return go(url_for("enrol.passport_scan"))
