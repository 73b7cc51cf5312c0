"""Advisers decide grey-zone attempts: approve (= attested) or reject, always with a reason."""

from __future__ import annotations

import html
from datetime import date

from sqlmodel import select

from tests.conftest import AuthActions
from tests.proof.conftest import moving_burst
from webapp.models import Alert, AuditEvent, LivenessChallenge, Pensioner, ProofAttempt, ProofStatus


def _grey_zone_attempt(app, astronaut) -> int:
    """An attempt the engine sent to review (distance between the two thresholds)."""
    with app.app_context():
        from webapp.db import get_session

        return _add_attempt(get_session(), astronaut)


def _add_attempt(db, astronaut) -> int:
    from webapp.models import utcnow
    from webapp.services import campaigns, proof_store

    p = db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
    p.payment_status = "suspended"
    challenge = LivenessChallenge(
        pensioner_id=p.id, nonce="n" * 32, actions=["blink", "turn_left"], expires_at=utcnow()
    )
    db.add(challenge)
    db.flush()
    frames = moving_burst(astronaut, count=8)
    attempt = ProofAttempt(
        pensioner_id=p.id,
        campaign_id=campaigns.campaign_for(db, date.today()).id,
        challenge_id=challenge.id,
        decision="review",
        decided_at=utcnow(),
        distance=0.55,
        liveness={"passed": True},
        frame_count=len(frames),
        frames=proof_store.encrypt_frames(frames, challenge.nonce),
    )
    db.add(attempt)
    db.commit()
    return attempt.id


def test_adviser_sees_the_queue_and_the_frames(app, client, auth, enrolled, db, astronaut):
    attempt_id = _grey_zone_attempt(app, astronaut)
    auth.staff_login()
    queue = client.get("/staff/review").get_data(as_text=True)
    assert "DP100001" in queue and "0.550" in queue
    page = client.get(f"/staff/review/{attempt_id}").get_data(as_text=True)
    assert f"/staff/review/{attempt_id}/frames/0.jpg" in page
    frame = client.get(f"/staff/review/{attempt_id}/frames/0.jpg")
    assert frame.status_code == 200 and frame.data[:3] == b"\xff\xd8\xff"
    assert frame.headers["Cache-Control"] == "no-store"


def test_a_reason_is_required(app, client, auth, enrolled, db, astronaut):
    attempt_id = _grey_zone_attempt(app, astronaut)
    auth.staff_login()
    response = client.post(f"/staff/review/{attempt_id}", data={"action": "approve", "reason": ""})
    assert response.status_code == 422
    assert "Indiquez le motif" in html.unescape(response.get_data(as_text=True))
    db.expire_all()
    assert db.get(ProofAttempt, attempt_id).review_decision is None


def test_approval_attests_and_reinstates_with_an_audit_row(
    app, client, auth, enrolled, db, astronaut
):
    attempt_id = _grey_zone_attempt(app, astronaut)
    auth.staff_login()
    response = client.post(
        f"/staff/review/{attempt_id}",
        data={"action": "approve", "reason": "Même personne, photo en contre-jour"},
    )
    assert response.status_code == 200
    assert "Approuvée" in response.get_data(as_text=True)
    db.expire_all()
    attempt = db.get(ProofAttempt, attempt_id)
    assert attempt.review_decision == "approved" and attempt.reviewer_id is not None
    status = db.exec(select(ProofStatus)).one()
    assert status.attested_at is not None and status.method == "review"
    assert db.get(Pensioner, attempt.pensioner_id).payment_status == "active"
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "proof_review_approved"))
    assert event.actor_type == "staff" and event.detail["reason"].startswith("Même personne")
    again = client.post(
        f"/staff/review/{attempt_id}", data={"action": "reject", "reason": "changement d'avis"}
    )
    assert again.status_code == 422  # decided once
    assert "déjà été traitée" in html.unescape(again.get_data(as_text=True))
    assert client.get("/staff/review").get_data(as_text=True).count("DP100001") == 0


def test_rejection_is_audited_and_shown_to_the_pensioner(
    app, client, auth, enrolled, db, astronaut
):
    attempt_id = _grey_zone_attempt(app, astronaut)
    auth.staff_login()
    client.post(
        f"/staff/review/{attempt_id}", data={"action": "reject", "reason": "Pas la même personne"}
    )
    db.expire_all()
    assert db.get(ProofAttempt, attempt_id).review_decision == "rejected"
    assert db.exec(select(ProofStatus).where(ProofStatus.attested_at.is_not(None))).first() is None
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "proof_review_rejected")).one()
    alert = db.exec(select(Alert).where(Alert.kind == "pol_review_rejected")).one()
    assert alert.body is None  # a code: worded when shown, in the reader's language
    pensioner = app.test_client()
    AuthActions(pensioner).login()
    page = html.unescape(
        pensioner.get(f"/space/proof/attempts/{attempt_id}").get_data(as_text=True)
    )
    assert "Un conseiller n'a pas pu confirmer votre identité" in page
    alerts = html.unescape(pensioner.get("/space/alerts").get_data(as_text=True))
    assert "Preuve de vie non acceptée" in alerts and "prenez rendez-vous en agence" in alerts
    pensioner.post("/lang/en")
    alerts = pensioner.get("/space/alerts").get_data(as_text=True)
    assert "Preuve de vie non acceptée" not in alerts


def test_pensioners_cannot_open_the_review_queue(client, auth, enrolled):
    auth.login()
    assert client.get("/staff/review").status_code in (302, 401, 403)


def test_the_pending_review_is_shown_to_the_pensioner(app, enrolled, db, astronaut):
    attempt_id = _grey_zone_attempt(app, astronaut)
    client = app.test_client()
    AuthActions(client).login()
    page = html.unescape(client.get(f"/space/proof/attempts/{attempt_id}").get_data(as_text=True))
    assert "vérifiées par un conseiller" in page
    assert 'hx-trigger="every 1s"' not in page  # decided: no more polling


def test_the_review_page_sends_the_agency_visit_to_the_pensioners_file(client, auth, demo):
    auth.staff_login()
    page = client.get("/staff/review").get_data(as_text=True)
    assert 'name="dp_number"' not in page  # no bare DP field that could pay the wrong file
    assert 'action="/staff/"' in page and 'name="q"' in page
    old_form = client.post("/staff/review", data={"dp_number": "DP100003", "document": "CIN X"})
    assert old_form.status_code == 405


def test_a_selfie_waiting_for_review_is_not_suspended_for_the_funds_delay(app, enrolled, astronaut):
    from webapp.db import get_session
    from webapp.services import campaigns

    attempt_id = _grey_zone_attempt(app, astronaut)
    with app.app_context():
        session = get_session()
        attempt = session.get(ProofAttempt, attempt_id)
        deadline = campaigns.campaign_for(session, date.today()).deadline
        after = deadline.replace(day=deadline.day + 1)
        suspended = campaigns.suspend_late(session, after)
        assert "DP100001" not in suspended and len(suspended) == 4
        assert attempt.decision == "review"
        row = campaigns.status_row(session, attempt.pensioner_id, attempt.campaign_id)
        assert row is None or row.suspended_at is None  # not counted as late


def test_viewing_a_frame_is_audited(app, client, auth, enrolled, db, astronaut):
    attempt_id = _grey_zone_attempt(app, astronaut)
    auth.staff_login()
    assert client.get(f"/staff/review/{attempt_id}/frames/2.jpg").status_code == 200
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "staff_view_frame")).all()
    attempt = db.get(ProofAttempt, attempt_id)
    assert (event.target_type, event.target_id) == ("pensioner", attempt.pensioner_id)
    assert event.detail == {"attempt_id": attempt_id, "frame": 2}
