"""Bad uploads and used or stale challenges: a clear message, nothing recorded twice."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from tests.conftest import AuthActions
from tests.proof.conftest import camera_frame, jpeg, moving_burst
from webapp.models import AuditEvent, LivenessChallenge, ProofAttempt


def _count(app, model) -> int:
    from webapp.db import get_session

    with app.app_context():
        return get_session().exec(select(func.count()).select_from(model)).one()


def _refusals(app) -> list[str]:
    from webapp.db import get_session

    with app.app_context():
        rows = get_session().exec(
            select(AuditEvent).where(AuditEvent.action == "proof_upload_refused")
        )
        return [r.detail["reason"] for r in rows]


def test_challenge_has_two_different_actions_and_a_nonce(proof):
    body = proof.challenge().get_json()
    codes = [a["code"] for a in body["actions"]]
    assert len(set(codes)) == 2 and set(codes) <= {"blink", "turn_left", "turn_right"}
    assert all(a["text"] for a in body["actions"])
    assert len(body["nonce"]) >= 32 and body["expires_in"] == 120


def test_a_replayed_nonce_is_refused(app, proof, no_liveness, astronaut):
    frames = moving_burst(astronaut)
    first, nonce = proof.attest_with(frames)
    assert first.status_code == 200
    replay = proof.upload(nonce, frames)
    assert replay.status_code == 422
    assert "déjà été utilisée" in replay.get_data(as_text=True)
    assert _count(app, ProofAttempt) == 1
    assert _refusals(app) == ["nonce_reused"]


def test_an_expired_nonce_is_refused(app, proof, astronaut):
    from webapp.db import get_session
    from webapp.models import utcnow

    nonce = proof.challenge().get_json()["nonce"]
    with app.app_context():
        session = get_session()
        row = session.exec(select(LivenessChallenge)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
    response = proof.upload(nonce, moving_burst(astronaut))
    assert response.status_code == 422
    assert "Le délai est dépassé" in response.get_data(as_text=True)
    assert _count(app, ProofAttempt) == 0
    assert _refusals(app) == ["challenge_expired"]


def test_an_unknown_nonce_is_refused(app, proof, astronaut):
    response = proof.upload("not-a-nonce", moving_burst(astronaut))
    assert response.status_code == 422
    assert "n&#39;est plus valable" in response.get_data(as_text=True)
    assert _count(app, ProofAttempt) == 0


def test_a_file_that_is_not_an_image_is_refused_and_the_nonce_stays_usable(
    app, proof, no_liveness, astronaut
):
    nonce = proof.challenge().get_json()["nonce"]
    bad = proof.upload(nonce, [b"%PDF-1.4 not a picture"] * 10)
    assert bad.status_code == 422
    assert "pas une photo lisible" in bad.get_data(as_text=True)
    assert _count(app, ProofAttempt) == 0
    good = proof.upload(nonce, moving_burst(astronaut))  # the same challenge, a proper burst
    assert good.status_code == 200 and _count(app, ProofAttempt) == 1


def test_too_many_frames_are_refused(app, proof, astronaut):
    nonce = proof.challenge().get_json()["nonce"]
    response = proof.upload(nonce, [jpeg(astronaut)] * 21)
    assert response.status_code == 422
    assert "Trop d&#39;images" in response.get_data(as_text=True)
    assert _refusals(app) == ["too_many_frames"]


def test_too_few_frames_are_refused(app, proof, astronaut):
    nonce = proof.challenge().get_json()["nonce"]
    response = proof.upload(nonce, [jpeg(astronaut)] * 3)
    assert response.status_code == 422
    assert "trop courte" in response.get_data(as_text=True)


def test_a_huge_frame_is_refused(app, proof, astronaut):
    nonce = proof.challenge().get_json()["nonce"]
    huge = jpeg(astronaut)[:-2] + b"\0" * (1024 * 1024) + b"\xff\xd9"
    response = proof.upload(nonce, [huge] + moving_burst(astronaut)[:9])
    assert response.status_code == 422
    assert "trop volumineuse" in response.get_data(as_text=True)
    assert _count(app, ProofAttempt) == 0


def test_a_huge_body_is_refused_before_it_is_read(app, proof):
    response = proof.client.post(
        "/space/proof/upload",
        data=b"x" * (21 * 1024 * 1024),
        content_type="multipart/form-data; boundary=zzz",
    )
    assert response.status_code == 422
    assert "trop volumineuse" in response.get_data(as_text=True)


def test_a_truncated_frame_is_refused(app, proof, astronaut):
    nonce = proof.challenge().get_json()["nonce"]
    frames = moving_burst(astronaut)
    frames[4] = frames[4][: len(frames[4]) // 2]
    response = proof.upload(nonce, frames)
    assert response.status_code == 422
    assert "incomplète" in response.get_data(as_text=True)
    assert _refusals(app) == ["image_truncated"]


def test_a_picture_declared_with_the_wrong_type_is_refused(app, proof, astronaut):
    nonce = proof.challenge().get_json()["nonce"]
    response = proof.upload(nonce, moving_burst(astronaut), content_type="image/gif")
    assert response.status_code == 422
    assert "format de photo n&#39;est pas accepté" in response.get_data(as_text=True)


def test_a_truncated_png_is_decided_by_the_job_as_refused_once(app, proof, astronaut):
    import io

    buffer = io.BytesIO()
    camera_frame(astronaut).save(buffer, "PNG")
    png = buffer.getvalue()
    nonce = proof.challenge().get_json()["nonce"]
    response = proof.upload(nonce, [png] * 9 + [png[:5000]], content_type="image/png")
    assert response.status_code == 200
    assert "incomplète" in response.get_data(as_text=True)
    [attempt] = _attempts_of(app)
    assert (attempt.decision, attempt.reasons) == ("refused", ["image_truncated"])


def _attempts_of(app):
    from webapp.db import get_session

    with app.app_context():
        return list(get_session().exec(select(ProofAttempt)))


def test_after_five_attempts_a_day_the_pensioner_is_sent_to_an_agency(
    app, proof, no_liveness, grace
):
    frames = moving_burst(grace, count=8)
    app.config["PROOF_DAILY_ATTEMPTS"] = 2
    for _ in range(2):
        proof.attest_with(frames)
    blocked = proof.challenge()
    assert blocked.status_code == 409
    assert blocked.get_json()["error"] == "daily_limit"
    page = proof.client.get("/space/proof/").get_data(as_text=True)
    assert "Vous avez fait 2 essais aujourd&#39;hui" in page
    assert "Vous pourrez réessayer le" in page and "à partir de minuit, heure du Maroc" in page
    assert "en agence" in page and 'href="/agencies"' in page


def test_a_pensioner_without_reference_is_told_to_go_to_an_agency(client, auth, demo):
    auth.login()  # the demo without any enrolled face
    page = client.get("/space/proof/").get_data(as_text=True)
    assert "Nous n&#39;avons pas encore votre photo de référence" in page
    assert client.post("/space/proof/challenge").get_json()["error"] == "no_reference"


def test_uploads_need_the_csrf_token(app, enrolled, astronaut):
    from tests.proof.conftest import multipart

    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    AuthActions(client).login()
    response = client.post("/space/proof/upload", **multipart("x", moving_burst(astronaut)))
    assert response.status_code == 400
    assert _count(app, ProofAttempt) == 0


def test_two_simultaneous_uploads_with_one_nonce_record_one_attempt(
    app, proof, astronaut, monkeypatch
):
    import threading

    from webapp.services import proof_of_life

    monkeypatch.setattr(proof_of_life, "start_check", lambda session, attempt: None)
    nonce = proof.challenge().get_json()["nonce"]
    frames = moving_burst(astronaut)
    clients = []
    for _ in range(2):
        c = app.test_client()
        AuthActions(c).login()
        clients.append(c)
    barrier = threading.Barrier(2)
    codes = []

    def send(client):
        from tests.proof.conftest import ProofSteps

        barrier.wait()
        codes.append(ProofSteps(client).upload(nonce, frames).status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 422]
    assert _count(app, ProofAttempt) == 1


def test_challenges_are_capped_too(app, proof):
    app.config["PROOF_DAILY_ATTEMPTS"] = 1
    assert [proof.challenge().status_code for _ in range(4)] == [200, 200, 200, 409]
