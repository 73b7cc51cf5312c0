"""``/dev/outbox``: the SMS and e-mails the outbox backend "sent", newest first.

Only in debug or demo mode (a 404 otherwise): a person trying the demo reads
their one-time code here instead of on a phone.
"""

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from ..db import get_session
from ..models import OutboxMessage
from ..render import render_page
from . import bp

PAGE_SIZE = 30


@bp.before_request
def only_in_debug_or_demo():
    """The outbox holds codes: never reachable in production."""
    if not (current_app.debug or current_app.config["DEMO"]):
        abort(404)


@bp.route("/outbox")
def outbox():
    """The latest messages, optionally for one destination (``?to=``)."""
    query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(PAGE_SIZE)
    to = (request.args.get("to") or "").strip()
    if to:
        query = query.where(OutboxMessage.destination == to)
    messages = get_session().exec(query).all()
    response = render_page(
        "dev/outbox.html", title=_l("Boîte d'envoi (démo)"), messages=messages, to=to
    )
    response.headers["Cache-Control"] = "no-store"
    return response
