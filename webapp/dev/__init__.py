"""Development pages (debug or demo mode only): the outbox of sent messages."""

from flask import Blueprint

bp = Blueprint("dev", __name__, url_prefix="/dev")

from . import routes  # noqa: E402,F401
