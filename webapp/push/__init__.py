"""Web push: the pensioner's devices subscribe to proof-of-life reminders."""

from flask import Blueprint

bp = Blueprint("push", __name__, url_prefix="/push")

from . import routes  # noqa: E402,F401
