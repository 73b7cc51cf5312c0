"""A pensioner attests with a burst of real face frames; the face job decides (inline)."""

from __future__ import annotations

from sqlmodel import func, select

from tests.proof.conftest import moving_burst, still_burst
from webapp.models import AuditEvent, ProofAttempt, ProofStatus


def _attempts(app):
    from webapp.db import get_session

    with app.app_context():
        return list(get_session().exec(select(ProofAttempt)))


def test_matching_face_is_accepted_when_liveness_is_disabled(
    app, proof, no_liveness, astronaut_transformed
):
    response, _ = proof.attest_with(moving_burst(astronaut_transformed))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "C&#39;est fait, merci !" in page or "C'est fait, merci !" in page
    [attempt] = _attempts(app)
    assert attempt.decision == "match"
    assert attempt.distance is not None and attempt.distance < 0.5
    assert attempt.liveness["ignored"] is True
    from webapp.db import get_session

    with app.app_context():
        status = get_session().exec(select(ProofStatus)).one()
        assert status.attested_at is not None and status.method == "selfie"
    home = proof.client.get("/space/").get_data(as_text=True)
    assert "Attesté le" in home


def test_someone_else_is_refused(app, proof, no_liveness, grace):
    response, _ = proof.attest_with(moving_burst(grace))
    page = response.get_data(as_text=True)
    assert "ne correspond pas à votre photo de référence" in page
    assert 'href="/space/proof/camera"' in page  # a retry
    [attempt] = _attempts(app)
    assert attempt.decision == "no_match"
    assert attempt.distance > 0.6


def test_a_still_photo_fails_liveness_with_its_reason(app, proof, astronaut):
    response, _ = proof.attest_with(still_burst(astronaut))
    page = response.get_data(as_text=True)
    assert "Aucun mouvement n&#39;a été vu" in page or "Aucun mouvement n'a été vu" in page
    [attempt] = _attempts(app)
    assert attempt.decision == "liveness_failed"
    assert "still_face" in attempt.reasons
    assert attempt.liveness["passed"] is False


def test_running_the_job_twice_records_one_decision(app, proof, no_liveness, astronaut):
    from jobs.face import check_attempt
    from webapp.db import get_session

    proof.attest_with(moving_burst(astronaut))
    [attempt] = _attempts(app)
    with app.app_context():
        again = check_attempt(attempt.id)
        session = get_session()
        decided = session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "proof_attempt_decided")
        ).one()
        attested = session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "proof_of_life_attested")
        ).one()
    assert again["decision"] == "match"
    assert len(_attempts(app)) == 1
    assert (decided, attested) == (1, 1)


def test_frames_are_stored_encrypted_until_the_dispute_window_ends(
    app, proof, no_liveness, astronaut
):
    from datetime import timedelta

    from webapp.db import get_session
    from webapp.models import utcnow
    from webapp.services import proof_store

    frames = moving_burst(astronaut)
    proof.attest_with(frames)
    [attempt] = _attempts(app)
    assert attempt.frames is not None and frames[0][:64] not in attempt.frames
    assert attempt.frames_purge_after - attempt.decided_at == timedelta(days=30)
    with app.app_context():
        session = get_session()
        assert proof_store.purge_frames(session, now=utcnow() + timedelta(days=29)) == 0
        assert proof_store.purge_frames(session, now=utcnow() + timedelta(days=31)) == 1
    [attempt] = _attempts(app)
    assert attempt.frames is None and attempt.frames_purged_at is not None


def test_no_dispute_window_deletes_frames_at_once(app, proof, no_liveness, astronaut):
    app.config["PROOF_DISPUTE_DAYS"] = 0
    proof.attest_with(moving_burst(astronaut))
    [attempt] = _attempts(app)
    assert attempt.decision == "match" and attempt.frames is None
