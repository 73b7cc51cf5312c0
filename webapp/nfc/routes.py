"""Relay endpoints for the Android helper (JSON, token-authenticated, no cookies)."""

import secrets

from flask import abort, current_app, jsonify, request, url_for
from flask_babel import lazy_gettext as _l

from nfc_bridge.errors import NfcError
from nfc_bridge.relay import BadPayload, http_status, parse_exchange_body, public_error

from ..extensions import csrf, limiter
from ..hardening import body_limit
from ..render import render_page
from ..services.nfc_relay import relay_service
from . import bp
from .messages import with_messages


def _error(exc: NfcError):
    return jsonify({"error": with_messages(public_error(exc))}), http_status(exc)


def _reply(answer: dict):
    """A relay answer with the text of its error, if any, for the helper to show."""
    return jsonify({**answer, "error": with_messages(answer.get("error"))})


@bp.route("/sessions/<token>/exchange", methods=["POST"])
@body_limit("RELAY_MAX_BYTES")
@csrf.exempt  # the helper authenticates with the session token, not a cookie
@limiter.limit("240 per minute")
def exchange(token: str):
    """One batch of chip answers in, the next batch of commands out."""
    try:
        body = parse_exchange_body(request.get_data(cache=False))
    except BadPayload:
        # Still go through the service: it checks the token, then ends that
        # session with the bad-payload reason (nothing half-read is kept).
        body = {"seq": None, "responses": None}
    try:
        return _reply(relay_service().exchange(token, **body))
    except NfcError as exc:
        return _error(exc)


@bp.route("/sessions/<token>/cancel", methods=["POST"])
@body_limit(1024)
@csrf.exempt
@limiter.limit("60 per minute")
def cancel(token: str):
    """The pensioner gave up: end the session, keep nothing."""
    try:
        return _reply(relay_service().cancel(token))
    except NfcError as exc:
        return _error(exc)


@bp.route("/sessions/<token>")
def session_landing(token: str):
    """Opened in a browser instead of the helper: explain how to get the helper."""
    return helper()


@bp.route("/helper")
def helper():
    """How to install the passport-reading helper (the intent link's fallback)."""
    return render_page("nfc/helper.html", title=_l("Lire la puce du passeport"))


@bp.route("/demo/sessions", methods=["POST"])
@body_limit(1024)
@csrf.exempt
@limiter.limit("10 per minute")
def demo_session():
    """Demo mode only: a relay session for the simulated demo passport."""
    if not (current_app.config.get("DEMO") or current_app.config.get("TESTING")):
        abort(404)
    from nfc_bridge.sim import demo_passport

    _chip, mrz_information, _trust = demo_passport()
    # The server chooses the active-authentication challenge (proves a genuine chip).
    started = relay_service().start(mrz_information, aa_challenge=secrets.token_bytes(8))
    started["session_url"] = url_for("nfc.session_landing", token=started["token"], _external=True)
    return jsonify(started), 201
