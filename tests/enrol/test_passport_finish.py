"""The selfie page against the chip photo, then the account opened with the code as password."""

from __future__ import annotations

import re

import matplotlib.cbook
import pytest
import skimage.data
from PIL import Image
from sqlmodel import select

from nfc_bridge.sim.demo_data import face_jpeg
from tests.conftest import AuthActions
from tests.enrol.passport_fixtures import new_enrolment
from tests.proof.conftest import ProofSteps, moving_burst, multipart
from webapp.models import AuditEvent, FaceReference, Pensioner

CODE = "482913"


class SelfieSteps(ProofSteps):
    """The camera script's requests, on the enrolment's URLs."""

    def challenge(self):
        return self.client.post("/enrol/selfie/challenge")

    def upload(self, nonce, frames, content_type="image/jpeg"):
        return self.client.post("/enrol/selfie/upload", **multipart(nonce, frames, content_type))


@pytest.fixture
def at_selfie(app, client, demo):
    """Amina's passport enrolment at the selfie step: chip photo kept, code verified."""
    from webapp.db import get_session
    from webapp.services import enrol_selfie
    from webapp.services.passwords import hash_password

    with app.app_context():
        session = get_session()
        amina = session.exec(select(Pensioner).where(Pensioner.dp_number == "DP100010")).one()
        row = new_enrolment(
            session, step="selfie", pensioner_id=amina.id, provisional_hash=hash_password(CODE)
        )
        row.reference_photo = enrol_selfie.seal_photo(row, face_jpeg()[0])
        session.add(row)
        session.commit()
        token, row_id = row.token, row.id
    with client.session_transaction() as cookie:
        cookie["enrolment"] = token
    app.config["PROOF_LIVENESS_REQUIRED"] = False
    return row_id


def test_a_matching_selfie_opens_the_account_and_the_code_logs_in(app, client, at_selfie):
    page = client.get("/enrol/selfie").data.decode()
    assert 'id="proof-camera"' in page and 'data-challenge-url="/enrol/selfie/challenge"' in page
    assert "/static/js/camera.js" in page
    # The same capture that waits as proof of life: practice, count-down, generous steps.
    assert 'id="proof-practice"' in page and 'id="proof-countdown"' in page
    assert 'data-step-max-ms="6000"' in page and 'data-action-blink="' in page
    frames = moving_burst(Image.fromarray(skimage.data.astronaut()))
    outcome, _nonce = SelfieSteps(client).attest_with(frames)
    body = outcome.data.decode()
    assert 'data-decision="match"' in body and 'href="/enrol/done"' in body
    with app.app_context():
        from webapp.db import get_session
        from webapp.models import Enrolment

        session = get_session()
        amina = session.exec(select(Pensioner).where(Pensioner.dp_number == "DP100010")).one()
        assert amina.account_status == "active" and amina.must_change_password
        assert session.exec(select(FaceReference)).one().source == "passport"
        row = session.get(Enrolment, at_selfie)
        assert (row.status, row.step, row.reference_photo) == ("done", "done", None)
        actions = {e.action for e in session.exec(select(AuditEvent)).all()}
        assert {"face_reference_set", "enrolment_activated"} <= actions
    done = client.get("/enrol/done").data.decode()
    assert "DP100010" in done and 'href="/auth/login"' in done
    client.post("/auth/logout")
    login = AuthActions(client).login("DP100010", CODE)
    assert login.headers["Location"] == "/auth/password"


def test_a_selfie_of_someone_else_offers_a_retry_and_the_agency(app, client, at_selfie):
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as handle:
        stranger = Image.open(handle).convert("RGB")
    outcome, _nonce = SelfieSteps(client).attest_with(moving_burst(stranger))
    body = outcome.data.decode()
    assert 'data-decision="no_match"' in body
    assert "ne correspond pas" in body and 'href="/enrol/selfie"' in body
    assert "/enrol/start/agency" in body
    with app.app_context():
        from webapp.db import get_session

        amina = get_session().exec(select(Pensioner).where(Pensioner.dp_number == "DP100010")).one()
        assert amina.account_status == "not_enrolled" and amina.password_hash is None


def test_after_the_daily_limit_the_page_points_to_the_agency(app, client, at_selfie):
    app.config["ENROL_SELFIE_DAILY_ATTEMPTS"] = 1
    steps = SelfieSteps(client)
    steps.attest_with([b"\xff\xd8\xff" + bytes(50) + b"\xff\xd9"] * 8)
    refused = steps.challenge()
    assert refused.status_code == 409 and refused.get_json()["error"] == "daily_limit"
    page = client.get("/enrol/selfie").data.decode()
    assert "trop d&#39;essais" in page and "/enrol/start/agency" in page


def test_through_a_real_rq_worker_the_page_polls_then_opens_the_account(make_rq_app):
    """Jobs on Redis: the outcome block polls while a forking RQ worker decides."""
    import os

    from redis import Redis
    from rq import Queue, Worker

    from webapp.db import get_session
    from webapp.services import demo, enrol_selfie
    from webapp.services.passwords import hash_password

    app = make_rq_app("enrolselfie", PROOF_LIVENESS_REQUIRED=False)
    with app.app_context():
        session = get_session()
        demo.seed(session)
        amina = session.exec(select(Pensioner).where(Pensioner.dp_number == "DP100010")).one()
        row = new_enrolment(
            session, step="selfie", pensioner_id=amina.id, provisional_hash=hash_password(CODE)
        )
        row.reference_photo = enrol_selfie.seal_photo(row, face_jpeg()[0])
        session.add(row)
        session.commit()
        token = row.token
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["enrolment"] = token
    frames = moving_burst(Image.fromarray(skimage.data.astronaut()))
    outcome, _nonce = SelfieSteps(client).attest_with(frames)
    page = outcome.data.decode()
    assert 'data-decision="pending"' in page and 'hx-trigger="every 1s"' in page
    selfie_id = int(re.search(r"/enrol/selfie/attempts/(\d+)", page).group(1))

    app.extensions["db_engine"].dispose()
    app.extensions["db_pid"] = os.getpid()
    conn = Redis.from_url(app.config["REDIS_URL"])
    with app.app_context():
        Worker([Queue(app.config["RQ_QUEUE"], connection=conn)], connection=conn).work(burst=True)

    polled = client.get(f"/enrol/selfie/attempts/{selfie_id}").data.decode()
    assert 'data-decision="match"' in polled and 'href="/enrol/done"' in polled
    assert _amina_status(app) == "active"


def _amina_status(app) -> str:
    from webapp.db import get_session

    with app.app_context():
        return (
            get_session()
            .exec(select(Pensioner).where(Pensioner.dp_number == "DP100010"))
            .one()
            .account_status
        )
