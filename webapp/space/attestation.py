""" "Mon attestation": choose a year, see totals, render the PDF in a job, download it.

The PDF comes in the reader's language, and always in French too: the French one is
the fund's official document, the others translations of it.
"""

from flask import abort, current_app, make_response, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.users import current_pensioner, pensioner_required
from ..db import get_session
from ..errors import NotFound
from ..i18n import current_lang
from ..models import Attestation
from ..render import render_page
from ..services import attestations as svc, tasks
from ..services.local_time import local_today
from . import bp


@bp.route("/attestation")
@pensioner_required
def attestation():
    """The year chooser and the totals of the chosen year."""
    pensioner = current_pensioner()
    session = get_session()
    years = svc.available_years(session, pensioner.id)
    this_year = local_today().year
    year = request.args.get("year", type=int) or svc.default_year(years, this_year)
    if year is not None and year not in years:
        abort(404)
    totals = svc.year_totals(session, pensioner.id, year) if year else None
    return render_page(
        "space/attestation.html",
        title=_l("Mon attestation"),
        years=years,
        year=year,
        totals=totals,
        this_year=this_year,
    )


@bp.route("/attestation/<int:year>/pdf", methods=["POST"])
@pensioner_required
def attestation_render(year: int):
    """Issue the attestation and start (or reuse) the PDF renders; the page then polls."""
    pensioner = current_pensioner()
    session = get_session()
    try:
        att = svc.get_or_issue(session, pensioner, year)
    except NotFound:
        abort(404)
    assert att.id is not None
    missing = [
        lang
        for lang in svc.pdf_langs(current_lang())
        if lang not in svc.cached_langs(session, att.id)
    ]
    if not missing:
        return _ready(att)
    job_id = tasks.enqueue(
        "attestation_pdf",
        "jobs.pdf:render_attestation",
        att.id,
        *missing,
        pensioner_id=pensioner.id,
    )
    return job_poll(job_id)


def _ready(att: Attestation):
    reader_lang = current_lang()
    return render_page(
        "space/attestation_ready.html",
        title=_l("Mon attestation"),
        att=att,
        reader_lang=reader_lang,
        official_lang=svc.OFFICIAL_LANG,
    )


@bp.route("/jobs/<job_id>")
@pensioner_required
def job_poll(job_id: str):
    """The polling partial: progress while running, the outcome when done."""
    job = tasks.job_status(job_id)
    if job is None or job.pensioner_id != current_user.id:
        abort(404)
    if job.status == "finished" and job.kind == "attestation_pdf" and job.result:
        att = svc.of_pensioner(get_session(), current_user.id, job.result["attestation_id"])
        if att is None:
            abort(404)
        return _ready(att)
    return render_page("space/job.html", title=_l("Mon attestation"), job=job)


@bp.route("/attestation/<int:year>.pdf")
@bp.route("/attestation/<int:year>/<lang>.pdf")
@pensioner_required
def attestation_download(year: int, lang: str | None = None):
    """The cached PDF in ``lang`` (default: the reader's language); if it is not rendered
    yet, back to the attestation screen. An unknown language is a 404."""
    lang = lang or current_lang()
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    pensioner = current_pensioner()
    session = get_session()
    att = svc.of_year(session, current_user.id, year)
    cached = svc.cached_pdf(session, att.id, lang) if att is not None and att.id else None
    if cached is None:
        return redirect(url_for("space.attestation", year=year))
    response = make_response(cached.pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Language"] = lang
    response.headers["Content-Disposition"] = (
        f'attachment; filename="attestation-{pensioner.dp_number}-{year}-{lang}.pdf"'
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/jobs/<job_id>/retry", methods=["POST"])
@pensioner_required
def job_retry(job_id: str):
    """Start a failed job again with the same arguments."""
    job = tasks.job_status(job_id)
    if job is None or job.pensioner_id != current_user.id:
        abort(404)
    if job.status != "failed":
        return job_poll(job_id)
    new_id = tasks.retry(job)
    return job_poll(new_id)
