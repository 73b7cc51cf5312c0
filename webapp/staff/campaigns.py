"""The campaign dashboard: figures per agency, the pensioners not attested, a broadcast."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.users import staff_required
from ..db import get_session
from ..render import render_page
from ..services import campaign_stats as stats, campaigns, reminders
from . import bp

SEGMENT_LABELS = {
    "not_attested": _l("Tous ceux qui n'ont pas attesté"),
    "suspended": _l("Paiement suspendu"),
    "abroad_not_attested": _l("Résidents à l'étranger qui n'ont pas attesté"),
    "all_active": _l("Tous les allocataires inscrits"),
}


@bp.route("/campaigns", methods=["GET", "POST"])
@staff_required()
def campaign_dashboard():
    """This quarter's figures by agency, who has not attested, and a broadcast alert."""
    session = get_session()
    today = campaigns.local_today()
    campaign = campaigns.campaign_for(session, today)
    sent = error = None
    status = 200
    if request.method == "POST":
        try:
            sent = stats.broadcast(
                session,
                campaign,
                segment=request.form.get("segment", ""),
                title=request.form.get("title", ""),
                body=request.form.get("body", ""),
                staff_id=current_user.id,
                ip=request.remote_addr,
            )
        except stats.EmptyBroadcast:
            session.rollback()
            error, status = _l("Choisissez un groupe et écrivez un titre et un message."), 422
    lines = stats.summary(session, campaign, today)
    agency_id = request.args.get("agency", type=int)
    late = stats.not_attested(session, campaign, agency_id=agency_id)
    return render_page(
        "staff/campaigns.html",
        status=status,
        title=_l("Campagne de preuve de vie"),
        campaign=campaign,
        lines=lines,
        total=stats.total(lines),
        late=late,
        last=reminders.last_reminders(session, [p.id for p in late if p.id is not None]),
        agency_id=agency_id,
        segments=SEGMENT_LABELS,
        sent=sent,
        error=error,
    )
