"""« S'inscrire »: the enrolment blueprint, shared by both procedures.

``routes`` (the shared steps: choosing, terms, consents, contact, code, resume,
cancel) and ``flow`` (the step guard every step page uses) belong to the
shared core; ``passport`` (procedure 1) and ``agency`` (procedure 2) register
their own pages on the same ``bp``.
"""

from flask import Blueprint

bp = Blueprint("enrol", __name__, url_prefix="/enrol")

from . import agency, passport, routes  # noqa: E402,F401
