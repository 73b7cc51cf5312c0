"""The enrolment selfie (shared by both procedures): against the chip photo, pending, against
the pending reference; the daily limit; nothing kept that is no longer needed."""

from __future__ import annotations

import matplotlib.cbook
import pytest
import skimage.data
from PIL import Image
from sqlmodel import select

from nfc_bridge.sim.demo_data import face_jpeg
from tests.enrol.passport_fixtures import new_enrolment
from tests.proof.conftest import moving_burst, still_burst
from webapp.models import AuditEvent, EnrolSelfie, FaceReference, Pensioner


@pytest.fixture(scope="module")
def holder() -> Image.Image:
    """Eileen Collins: the demo passport's chip photo is hers."""
    return Image.fromarray(skimage.data.astronaut())


@pytest.fixture(scope="module")
def stranger() -> Image.Image:
    """Grace Hopper, someone else."""
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as handle:
        return Image.open(handle).convert("RGB")


@pytest.fixture
def ctx_db(app):
    from webapp.db import get_session

    with app.app_context():
        yield get_session()


@pytest.fixture
def amina(ctx_db, demo) -> Pensioner:
    return ctx_db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100010")).one()


@pytest.fixture
def at_selfie(ctx_db, amina):
    """A passport enrolment at the selfie step, the chip photo (the holder) kept."""
    from webapp.services import enrol_selfie

    enrolment = new_enrolment(ctx_db, step="selfie", pensioner_id=amina.id)
    enrolment.reference_photo = enrol_selfie.seal_photo(enrolment, face_jpeg()[0])
    ctx_db.add(enrolment)
    ctx_db.commit()
    return enrolment


def _files(frames):
    return [("image/jpeg", f) for f in frames]


def _take(ctx_db, enrolment, frames):
    from webapp.services import enrol_selfie

    challenge = enrol_selfie.start_challenge(ctx_db, enrolment)
    selfie = enrol_selfie.submit(ctx_db, enrolment, challenge.nonce, _files(frames))
    ctx_db.refresh(selfie)
    return selfie


def test_the_holder_matches_the_chip_photo_and_becomes_the_reference(
    app, ctx_db, at_selfie, amina, holder
):
    app.config["PROOF_LIVENESS_REQUIRED"] = False
    selfie = _take(ctx_db, at_selfie, moving_burst(holder))
    assert selfie.mode == "against_photo" and selfie.decision == "match"
    assert selfie.frames is None  # decided: frames emptied
    reference = ctx_db.exec(
        select(FaceReference).where(FaceReference.pensioner_id == amina.id)
    ).one()
    assert reference.source == "passport"
    ctx_db.refresh(at_selfie)
    assert at_selfie.reference_photo is None  # the chip photo is deleted
    actions = [e.action for e in ctx_db.exec(select(AuditEvent)).all()]
    assert "face_reference_set" in actions and "enrolment_selfie_decided" in actions


def test_someone_else_does_not_match_and_may_try_again(app, ctx_db, at_selfie, amina, stranger):
    from webapp.services import enrol_selfie

    app.config["PROOF_LIVENESS_REQUIRED"] = False
    selfie = _take(ctx_db, at_selfie, moving_burst(stranger))
    assert selfie.decision == "no_match" and selfie.reasons == ["no_match"]
    ctx_db.refresh(at_selfie)
    assert at_selfie.reference_photo is not None  # kept for another try
    assert ctx_db.exec(select(FaceReference)).all() == []
    enrol_selfie.check_can_try(ctx_db, at_selfie)  # no error: retry allowed


def test_a_still_photo_fails_liveness(ctx_db, at_selfie, holder):
    selfie = _take(ctx_db, at_selfie, still_burst(holder))
    assert selfie.decision == "liveness_failed"
    assert "still_face" in selfie.reasons


def test_the_daily_limit_stops_further_selfies(app, ctx_db, at_selfie):
    from webapp.services import enrol_selfie

    app.config["ENROL_SELFIE_DAILY_ATTEMPTS"] = 1
    not_a_face = [b"\xff\xd8\xff" + bytes(100) + b"\xff\xd9"] * 8
    selfie = _take(ctx_db, at_selfie, not_a_face)
    assert selfie.decision == "refused"
    with pytest.raises(enrol_selfie.SelfieError) as refused:
        enrol_selfie.start_challenge(ctx_db, at_selfie)
    assert refused.value.code == "daily_limit"


def test_a_nonce_is_used_once(app, ctx_db, at_selfie, holder):
    from webapp.services import enrol_selfie

    app.config["PROOF_LIVENESS_REQUIRED"] = False
    challenge = enrol_selfie.start_challenge(ctx_db, at_selfie)
    frames = _files(moving_burst(holder))
    enrol_selfie.submit(ctx_db, at_selfie, challenge.nonce, frames)
    with pytest.raises(enrol_selfie.SelfieError) as refused:
        enrol_selfie.submit(ctx_db, at_selfie, challenge.nonce, frames)
    assert refused.value.code == "nonce_reused"
    assert len(ctx_db.exec(select(EnrolSelfie)).all()) == 1


def test_no_selfie_before_the_pensioner_is_found(ctx_db, demo):
    from webapp.services import enrol_selfie

    enrolment = new_enrolment(ctx_db, step="check")
    with pytest.raises(enrol_selfie.SelfieError) as refused:
        enrol_selfie.start_challenge(ctx_db, enrolment)
    assert refused.value.code == "not_matched"


def test_agency_pending_then_against_pending_becomes_the_reference(app, ctx_db, amina, holder):
    app.config["PROOF_LIVENESS_REQUIRED"] = False
    enrolment = new_enrolment(ctx_db, step="selfie", pensioner_id=amina.id)
    enrolment.procedure = "agency"
    ctx_db.add(enrolment)
    ctx_db.commit()
    first = _take(ctx_db, enrolment, moving_burst(holder))
    assert (first.mode, first.decision) == ("pending", "match")
    ctx_db.refresh(enrolment)
    assert enrolment.pending_reference is not None
    assert ctx_db.exec(select(FaceReference)).all() == []  # not trusted yet
    enrolment.step = "visit_selfie"
    ctx_db.add(enrolment)
    ctx_db.commit()
    second = _take(ctx_db, enrolment, moving_burst(holder))
    assert (second.mode, second.decision) == ("against_pending", "match")
    reference = ctx_db.exec(select(FaceReference)).one()
    assert reference.source == "agency" and reference.pensioner_id == amina.id
    ctx_db.refresh(enrolment)
    assert enrolment.pending_reference is None
