"""An enrolment selfie faked with the passport photo held up and turned: never enrolled.

The burst is a presentation attack (tests/face/attacks.py): the chip photo's
holder, Eileen Collins, printed and turned left then right in front of the
camera. Refused as flat by the measured thresholds; with thresholds that put
its parallax in the grey zone it is still not enrolled (no adviser reviews an
enrolment selfie).
"""

# ruff: noqa: F811  (fixtures imported from the selfie tests are parameter names here)
from __future__ import annotations

from sqlmodel import select

from tests.enrol.test_passport_selfie import amina, at_selfie, ctx_db  # noqa: F401
from tests.face.attacks import attack_burst, shipped_cards
from webapp.models import FaceReference

ACTIONS = ("turn_left", "turn_right")


def _take_with_a_turned_card(ctx_db, enrolment):
    from webapp.services import enrol_selfie

    challenge = enrol_selfie.start_challenge(ctx_db, enrolment)
    challenge.actions = list(ACTIONS)  # the attacker's luck: two turns drawn
    ctx_db.add(challenge)
    ctx_db.commit()
    card = next(c for c in shipped_cards() if c.name == "astronaut")
    frames = attack_burst(card, ACTIONS, "turned", -1, seed=31).frames
    selfie = enrol_selfie.submit(
        ctx_db, enrolment, challenge.nonce, [("image/jpeg", f) for f in frames]
    )
    ctx_db.refresh(selfie)
    return selfie


def test_the_chip_photo_turned_in_front_of_the_camera_is_refused_as_flat(ctx_db, at_selfie):
    selfie = _take_with_a_turned_card(ctx_db, at_selfie)
    assert selfie.decision == "liveness_failed"
    assert selfie.reasons[0] == "planar_motion"
    assert ctx_db.exec(select(FaceReference)).all() == []


def test_a_turn_in_the_grey_zone_does_not_enrol(app, ctx_db, at_selfie):
    app.config["FACE_LIVENESS"] = {"planar_parallax": 0.0, "live_parallax": 5.0}
    selfie = _take_with_a_turned_card(ctx_db, at_selfie)
    assert selfie.decision == "no_match"
    assert selfie.reasons == ["liveness_uncertain"]
    assert ctx_db.exec(select(FaceReference)).all() == []
