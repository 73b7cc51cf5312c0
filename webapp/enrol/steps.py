"""Helpers of the passport and selfie pages: the current enrolment, step guards, redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import make_response, redirect, session

from ..db import get_session
from ..extensions import htmx
from ..models import Enrolment
from ..services import enrolment as enrolment_svc

RESUME_URL = "/enrol/resume"
START_URL = "/enrol/"


def current_enrolment() -> Enrolment | None:
    """The enrolment this browser is going through (kept server-side, keyed by the cookie)."""
    return enrolment_svc.current(get_session(), session.get("enrolment"))


def go(url: str):
    """A redirect that also works for htmx requests (a full page change, not a swap)."""
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


def at_step(*steps: str, procedure: str | None = "passport") -> Callable:
    """Run the view only at one of ``steps``; anywhere else, go to the current step."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            enrolment = current_enrolment()
            if enrolment is None:
                return go(START_URL)
            if (procedure and enrolment.procedure != procedure) or enrolment.step not in steps:
                return go(RESUME_URL)
            return view(enrolment, *args, **kwargs)

        return wrapper

    return decorate
