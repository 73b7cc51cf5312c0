"""The staff view for agency advisers and administrators."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from . import admin, appointments, campaigns, desk_chip, pensioner, review, routes  # noqa: E402,F401
