"""The pensioner's personal space ("Mon espace")."""

from flask import Blueprint

bp = Blueprint("space", __name__, url_prefix="/space")

from . import attestation, routes  # noqa: E402,F401
