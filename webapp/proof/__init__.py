"""Proof of life for pensioners: « Attester de votre vie » (camera, liveness, outcome)."""

from flask import Blueprint

bp = Blueprint("proof", __name__, url_prefix="/space/proof")

from . import routes  # noqa: E402,F401
