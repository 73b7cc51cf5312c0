"""The server side of the passport-chip relay (nfc_bridge/PROTOCOL.md), mounted at /nfc."""

from flask import Blueprint

bp = Blueprint("nfc", __name__, url_prefix="/nfc")

from . import routes  # noqa: E402,F401
