"""The quarterly cycle: campaign windows, home statuses, suspension and reinstatement."""

from __future__ import annotations

import html
import json
from datetime import date

import pytest
from flask import render_template
from sqlmodel import select

from webapp.models import Alert, AuditEvent, Pensioner, ProofStatus


@pytest.mark.parametrize(
    ("day", "quarter", "opens", "deadline"),
    [
        (date(2026, 1, 1), "2026-Q1", date(2026, 1, 1), date(2026, 1, 20)),
        (date(2026, 5, 31), "2026-Q2", date(2026, 4, 1), date(2026, 4, 20)),
        (date(2026, 9, 30), "2026-Q3", date(2026, 7, 1), date(2026, 7, 20)),
        (date(2026, 12, 31), "2026-Q4", date(2026, 10, 1), date(2026, 10, 20)),
    ],
)
def test_campaigns_open_on_the_first_of_the_quarter_with_a_deadline_on_the_20th(
    ctx_db, day, quarter, opens, deadline
):
    from webapp.services import campaigns

    campaign = campaigns.campaign_for(ctx_db, day)
    assert (campaign.quarter, campaign.opens_on, campaign.deadline) == (quarter, opens, deadline)
    assert campaigns.campaign_for(ctx_db, day).id == campaign.id  # created once


def test_the_campaign_window_is_configurable(app, ctx_db):
    from webapp.services import campaigns

    app.config.update(PROOF_OPEN_DAY=5, PROOF_DEADLINE_DAY=28)
    campaign = campaigns.campaign_for(ctx_db, date(2027, 2, 3))
    assert (campaign.opens_on, campaign.deadline) == (date(2027, 1, 5), date(2027, 1, 28))


def _dp(ctx_db, dp="DP100001") -> Pensioner:
    return ctx_db.exec(select(Pensioner).where(Pensioner.dp_number == dp)).one()


def _status_text(app, pol) -> str:
    with app.test_request_context():
        return " ".join(render_template("proof/_status.html", pol=pol).split())


def test_home_status_reads_todo_then_attested(app, ctx_db, demo):
    from webapp.services import campaigns

    p = _dp(ctx_db)
    pol = campaigns.home_status(ctx_db, p, today=date(2026, 4, 10))
    assert pol.state == "todo"
    assert "À faire avant le 20 avril 2026" in _status_text(app, pol)
    campaigns.attest(ctx_db, p, pol.campaign, attempt_id=None, method="agency")
    ctx_db.commit()
    pol = campaigns.home_status(ctx_db, p, today=date(2026, 4, 12))
    assert pol.state == "attested"
    assert "Attesté le" in _status_text(app, pol)


def test_home_status_reads_late_then_suspended(app, ctx_db, demo):
    from webapp.services import campaigns

    p = _dp(ctx_db)
    pol = campaigns.home_status(ctx_db, p, today=date(2026, 4, 21))
    assert pol.state == "late"
    assert "En retard" in _status_text(app, pol)
    campaigns.suspend_late(ctx_db, date(2026, 4, 21))
    pol = campaigns.home_status(ctx_db, p, today=date(2026, 4, 21))
    assert pol.state == "suspended"
    assert "Paiement suspendu" in _status_text(app, pol)


def test_home_page_shows_the_status_and_the_way_to_attest(client, auth, demo):
    auth.login()
    page = client.get("/space/").get_data(as_text=True)
    assert "Preuve de vie" in page
    assert 'href="/space/proof/"' in page
    assert any(text in page for text in ("À faire avant le", "En retard"))


def test_menu_and_shortcut_bar_lead_to_the_proof_of_life_screen(client, auth, enrolled):
    auth.login()
    page = client.get("/space/").get_data(as_text=True)
    assert page.count('href="/space/proof/"') >= 3  # menu, shortcut bar, home block
    screen = client.get("/space/proof/", headers={"HX-Request": "true"})
    text = screen.get_data(as_text=True)
    assert "<title>Attester de votre vie" in text and "Commencer" in text
    assert 'href="/space/proof/camera"' in text


def _events(ctx_db, action: str) -> list[AuditEvent]:
    return list(ctx_db.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_simulated_quarter(app, ctx_db, demo, runner):
    from webapp.services import campaigns

    def daily(day: str) -> dict:
        result = runner.invoke(args=["proof", "daily", "--today", day])
        assert result.exit_code == 0, result.output
        ctx_db.expire_all()
        return json.loads(result.output)

    on_time, late = _dp(ctx_db, "DP100001"), _dp(ctx_db, "DP100002")
    assert daily("2026-04-01")["reminded"] == 5  # opening reminder, once
    assert daily("2026-04-01")["reminded"] == 0
    campaign = campaigns.campaign_for(ctx_db, date(2026, 4, 1))
    campaigns.attest(ctx_db, on_time, campaign, attempt_id=None, method="agency")
    ctx_db.commit()

    assert daily("2026-04-20")["suspended"] == []  # the deadline day is still on time
    assert {p.payment_status for p in ctx_db.exec(select(Pensioner))} == {"active"}

    suspended = daily("2026-04-21")["suspended"]
    assert sorted(suspended) == ["DP100002", "DP100003", "DP100004", "DP100005"]
    ctx_db.refresh(on_time)
    ctx_db.refresh(late)
    assert (on_time.payment_status, late.payment_status) == ("active", "suspended")
    alerts = ctx_db.exec(select(Alert).where(Alert.pensioner_id == late.id)).all()
    assert [a.kind for a in alerts].count("payment_suspended") == 1
    assert len(_events(ctx_db, "payment_suspended")) == 4

    assert daily("2026-04-22")["suspended"] == []  # twice changes nothing
    assert len(_events(ctx_db, "payment_suspended")) == 4

    campaigns.attest(ctx_db, late, campaign, attempt_id=None, method="agency")  # a late attestation
    ctx_db.commit()
    ctx_db.refresh(late)
    assert late.payment_status == "active"
    assert [a.kind for a in ctx_db.exec(select(Alert).where(Alert.pensioner_id == late.id))].count(
        "payment_reinstated"
    ) == 1
    assert len(_events(ctx_db, "payment_reinstated")) == 1
    assert daily("2026-04-23")["suspended"] == []
    ctx_db.refresh(late)
    assert late.payment_status == "active"


def test_a_successful_selfie_reinstates_a_suspended_payment(app, proof, no_liveness, astronaut):
    from tests.proof.conftest import moving_burst
    from webapp.db import get_session

    with app.app_context():
        session = get_session()
        p = _dp(session)
        p.payment_status = "suspended"  # as the daily job leaves a late pensioner
        session.commit()
    response, _ = proof.attest_with(moving_burst(astronaut))
    assert "C'est fait" in html.unescape(response.get_data(as_text=True))
    with app.app_context():
        session = get_session()
        p = _dp(session)
        assert p.payment_status == "active"
        assert len(_events(session, "payment_reinstated")) == 1
        assert session.exec(select(ProofStatus).where(ProofStatus.attested_at.is_not(None))).all()


def test_the_camera_screen_is_always_a_full_page_load(client, auth, enrolled):
    auth.login()
    swap = client.get("/space/proof/camera", headers={"HX-Request": "true"})
    assert swap.status_code == 204 and swap.headers["HX-Redirect"] == "/space/proof/camera"
    page = client.get("/space/proof/camera").get_data(as_text=True)
    assert "js/camera.js" in page and 'id="proof-camera"' in page
    assert "<script>" not in page and "style=" not in page  # strict CSP: nothing inline


def test_reasons_fall_back_to_the_engines_english(app):
    from flask import session

    from webapp.proof.messages import reason_text

    with app.test_request_context():
        session["lang"] = "en"
        assert reason_text("still_face").startswith("No movement was seen")


def test_the_screens_render_right_to_left_in_arabic(client, auth, demo):
    auth.login("DP100002", "Demo2026!")  # a pensioner who reads Arabic
    for url in ("/space/proof/", "/space/proof/camera", "/space/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'dir="rtl"' in response.get_data(as_text=True)
