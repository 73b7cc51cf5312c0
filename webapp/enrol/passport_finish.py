"""The end of procedure 1: the selfie matched the chip photo, the account is opened."""

from __future__ import annotations

from flask import request, session as cookie

from ..models import EnrolmentStatus, Pensioner
from ..services import enrolment as enrolment_svc


def finish(session, enrolment) -> None:
    """Activate the account (idempotent): the one-time code the pensioner typed is the
    provisional password, and the first login asks for a new one."""
    if enrolment.status == EnrolmentStatus.ACTIVE:
        try:
            enrolment_svc.activate(session, enrolment, ip=request.remote_addr)
        except enrolment_svc.AlreadyEnrolled:
            pass  # opened by a concurrent poll of the same page: nothing to do twice
    pensioner = session.get(Pensioner, enrolment.pensioner_id)
    cookie["enrolled_dp"] = pensioner.dp_number
