"""Public pages: landing, guide, attestation check, language, PWA files."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import agencies, guide, routes  # noqa: E402,F401
