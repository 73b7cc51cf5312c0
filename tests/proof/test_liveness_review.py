"""A card turned in front of the camera: refused as flat, or sent to an adviser with the measures.

The burst is a presentation attack rendered by tests/face/attacks.py (Eileen
Collins's photo held as a card and turned left then right); the enrolled
reference is her photo, so the face itself matches. The engine's measured
thresholds refuse it; thresholds configured so that the same parallax falls
in the grey zone send it to the review queue, where the adviser sees the
measures instead of a decision.
"""

from __future__ import annotations

import html
from datetime import date, timedelta

from sqlmodel import select

from tests.face.attacks import attack_burst, shipped_cards
from webapp.models import LivenessChallenge, Pensioner, ProofAttempt, utcnow

ACTIONS = ("turn_left", "turn_right")


def _attempt_with_a_turned_card(app) -> int:
    from webapp.db import get_session
    from webapp.services import campaigns, proof_store

    with app.app_context():
        return _add_attempt(get_session(), campaigns, proof_store)


def _add_attempt(db, campaigns, proof_store) -> int:
    astronaut = next(c for c in shipped_cards() if c.name == "astronaut")
    frames = attack_burst(astronaut, ACTIONS, "turned", -1, seed=31).frames
    p = db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
    now = utcnow()
    challenge = LivenessChallenge(
        pensioner_id=p.id, nonce="c" * 32, actions=list(ACTIONS), expires_at=now + timedelta(1)
    )
    db.add(challenge)
    db.flush()
    attempt = ProofAttempt(
        pensioner_id=p.id,
        campaign_id=campaigns.campaign_for(db, date.today()).id,
        challenge_id=challenge.id,
        created_at=now,
        frame_count=len(frames),
        frames=proof_store.encrypt_frames(frames, challenge.nonce),
    )
    db.add(attempt)
    db.commit()
    return attempt.id


def _decide(app, attempt_id: int) -> ProofAttempt:
    from webapp.db import get_session
    from webapp.services import proof_of_life

    with app.app_context():
        session = get_session()
        proof_of_life.decide_attempt(session, attempt_id)
        return session.get(ProofAttempt, attempt_id)


def test_a_card_turned_left_and_right_is_refused_as_a_flat_picture(app, enrolled):
    attempt = _decide(app, _attempt_with_a_turned_card(app))
    assert attempt.decision == "liveness_failed"
    assert attempt.reasons[0] == "planar_motion"
    checks = attempt.liveness["checks"]
    # Kept for disputes: the yaw curve that would have counted, and why it did not.
    assert checks["turn_left"]["yaw_frames"] or checks["turn_right"]["yaw_frames"]
    assert {checks[a]["verdict"] for a in ACTIONS} <= {"planar", "none"}
    assert len(checks["planarity"]["residual"]) == checks["frames"]["with_face"]


def test_a_turn_in_the_grey_zone_goes_to_the_adviser_with_its_measures(app, client, auth, enrolled):
    app.config["FACE_LIVENESS"] = {"planar_parallax": 0.0, "live_parallax": 5.0}
    attempt = _decide(app, _attempt_with_a_turned_card(app))
    assert attempt.decision == "review"
    assert attempt.reasons == ["liveness_uncertain"]
    assert attempt.liveness["review"] == ["liveness_uncertain"]
    auth.staff_login()
    queue = client.get("/staff/review").get_data(as_text=True)
    assert "DP100001" in queue
    page = html.unescape(client.get(f"/staff/review/{attempt.id}").get_data(as_text=True))
    assert "Mesures de vivacité" in page
    assert "relief incertain" in page
    assert "Rotation mesurée (degrés)" in page
