"""Which enrolment this browser is in, and the guard every step page uses.

The enrolment is found from its random token, kept in the session and in a
``dv_enrol`` cookie that lives as long as the enrolment can be resumed (so a
closed browser resumes too). A step page decorated with ``step_page("scan")``
receives the enrolment as its first argument; when the enrolment is at another
step (browser back button, an old tab, a bookmark) the visitor is sent to the
step it is really at, so going back never breaks it.

    @bp.route("/passport/check", methods=["GET", "POST"])
    @step_page("check")
    def passport_check_page(enrolment): ...

``STEP_ENDPOINTS`` maps each step to its page; ``step_url(enrolment)`` is where
to go next after ``enrolment_service.advance``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, redirect, request, session, url_for
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from ..db import get_session
from ..models import Enrolment
from ..services import enrolment as enrolment_service

SESSION_KEY = "enrolment"
COOKIE = "dv_enrol"

# The page of each step (procedure-specific pages are registered by their modules).
STEP_ENDPOINTS: dict[str, str] = {
    "terms": "enrol.terms",
    "privacy": "enrol.privacy",
    "contact": "enrol.contact",
    "code": "enrol.code",
    "scan": "enrol.passport_scan",
    "chip": "enrol.passport_chip",
    "check": "enrol.passport_check",
    "selfie": "enrol.selfie",
    "done": "enrol.done",
    "identity": "enrol.agency_identity",
    "appointment": "enrol.agency_appointment",
    "booked": "enrol.agency_booked",
    "visit_selfie": "enrol.agency_visit_selfie",
    "adviser_code": "enrol.agency_adviser_code",
}


def _token() -> str | None:
    return session.get(SESSION_KEY) or request.cookies.get(COOKIE)


def current_enrolment() -> Enrolment | None:
    """This browser's active enrolment, or None (never started, finished or expired)."""
    if "enrolment" not in g:
        g.enrolment = enrolment_service.current(get_session(), _token())
        if g.enrolment is not None and session.get(SESSION_KEY) != g.enrolment.token:
            # Back after the browser was closed: the session knows it again.
            session[SESSION_KEY] = g.enrolment.token
    return g.enrolment


def had_enrolment() -> bool:
    """True when this browser holds a token (then a missing enrolment has expired)."""
    return bool(_token())


def remember(response: Response, enrolment: Enrolment) -> Response:
    """Tie the enrolment to this browser (session and a cookie as long as it resumes)."""
    session[SESSION_KEY] = enrolment.token
    response.set_cookie(
        COOKIE,
        enrolment.token,
        max_age=current_app.config["ENROL_RESUME_HOURS"] * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        path="/",
    )
    return response


def forget(response: Response) -> Response:
    """This browser is no longer in an enrolment."""
    session.pop(SESSION_KEY, None)
    response.delete_cookie(COOKIE, path="/")
    return response


def step_url(enrolment: Enrolment) -> str:
    """The page of the enrolment's current step (a holding page if not built yet)."""
    try:
        return url_for(STEP_ENDPOINTS[enrolment.step])
    except (KeyError, BuildError):
        return url_for("enrol.unavailable")


def go(target: str) -> Response:
    """Redirect, as a full page load for htmx requests too."""
    if request.headers.get("HX-Request"):
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def step_page(*steps: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Only while the enrolment is at one of ``steps``; else to the step it is at."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            enrolment = current_enrolment()
            if enrolment is None:
                expired = had_enrolment()
                return forget(go(url_for("enrol.index", expired=1 if expired else None)))
            if enrolment.step not in steps:
                return go(step_url(enrolment))
            return view(enrolment, *args, **kwargs)

        return wrapped

    return decorator
