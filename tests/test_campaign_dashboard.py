"""The adviser's campaign dashboard: figures per agency, who is late, a broadcast alert."""

from __future__ import annotations

import html
import re
from datetime import date

from sqlmodel import select

from webapp.models import Alert, AuditEvent, Pensioner


def _campaign(app, db):
    from webapp.services import campaigns

    with app.app_context():
        return campaigns.campaign_for(db, campaigns.local_today())


def test_figures_per_agency_count_each_pensioner_once(app, demo, db):
    from webapp.services import campaign_stats, campaigns

    with app.app_context():
        campaign = campaigns.campaign_for(db, date(2026, 4, 10))
        casa = db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
        campaigns.attest(db, casa, campaign, attempt_id=None, method="agency")
        marrakech = db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100002")).one()
        marrakech.payment_status = "suspended"
        db.commit()
        lines = campaign_stats.summary(db, campaign, date(2026, 4, 10))
        by_name = {line.agency: line for line in lines}
        total = campaign_stats.total(lines)
    active = len(db.exec(select(Pensioner).where(Pensioner.account_status == "active")).all())
    assert total.total == active
    assert total.attested + total.review + total.todo + total.late + total.suspended == active
    casablanca = next(line for name, line in by_name.items() if name and "Casablanca" in name)
    assert casablanca.attested >= 1
    assert total.suspended == 1 and total.late == 0  # before the deadline: "to do"
    after = campaign_stats.total(campaign_stats.summary(db, campaign, date(2026, 4, 21)))
    assert after.todo == 0 and after.late == total.todo


def test_adviser_sees_the_dashboard_and_pensioners_do_not(client, auth, demo):
    auth.login()
    assert client.get("/staff/campaigns").status_code in (302, 403)
    client.post("/auth/logout")
    auth.staff_login()
    page = html.unescape(client.get("/staff/campaigns").get_data(as_text=True))
    assert re.search(r'Campagne <bdi dir="ltr">20\d\d-Q[1-4]</bdi>', page)
    assert 'id="campaign-figures"' in page
    assert "N'ont pas encore attesté" in page


def test_broadcast_reaches_the_chosen_segment_only_and_is_audited(app, client, auth, demo, db):
    suspended = db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100003")).one()
    suspended.payment_status = "suspended"
    db.commit()
    auth.staff_login()
    before = len(db.exec(select(Alert)).all())
    response = client.post(
        "/staff/campaigns",
        data={"segment": "suspended", "title": "Agence fermée", "body": "Lundi férié."},
    )
    assert response.status_code == 200
    assert "Alerte envoyée à 1 allocataire." in html.unescape(response.get_data(as_text=True))
    new = db.exec(select(Alert).where(Alert.title == "Agence fermée")).all()
    assert [a.pensioner_id for a in new] == [suspended.id]
    assert len(db.exec(select(Alert)).all()) == before + 1
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "staff_broadcast")).all()
    assert event.detail["recipients"] == 1 and event.actor_type == "staff"


def test_broadcast_without_a_text_is_refused_and_sends_nothing(client, auth, demo, db):
    auth.staff_login()
    before = len(db.exec(select(Alert)).all())
    response = client.post("/staff/campaigns", data={"segment": "all_active", "title": " "})
    assert response.status_code == 422
    assert len(db.exec(select(Alert)).all()) == before
