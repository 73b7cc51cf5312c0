"""The passport and selfie pages' step guard, over the enrolment flow (:mod:`.flow`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import url_for

from .flow import current_enrolment, forget, go, had_enrolment, step_url

__all__ = ["at_step", "current_enrolment", "go", "resume_url"]


def resume_url() -> str:
    """Where an enrolment goes on: the page of its current step."""
    enrolment = current_enrolment()
    return step_url(enrolment) if enrolment is not None else url_for("enrol.index")


def at_step(*steps: str, procedure: str | None = "passport") -> Callable:
    """Run the view only at one of ``steps`` (of ``procedure``); else go to the current step."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            enrolment = current_enrolment()
            if enrolment is None:
                expired = had_enrolment()
                return forget(go(url_for("enrol.index", expired=1 if expired else None)))
            if (procedure and enrolment.procedure != procedure) or enrolment.step not in steps:
                return go(step_url(enrolment))
            return view(enrolment, *args, **kwargs)

        return wrapper

    return decorate
