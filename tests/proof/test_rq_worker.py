"""The face job on a real Redis with a real forking RQ worker, including a worker that dies."""

from __future__ import annotations

import os
import signal

import pytest
from redis import Redis
from rq import Queue, Worker
from sqlmodel import select

from tests.conftest import AuthActions
from tests.proof.conftest import ProofSteps, moving_burst
from webapp.models import JobRecord, ProofAttempt


@pytest.fixture
def rq_app(make_rq_app):
    """The app with jobs on Redis, on a queue of its own."""
    return make_rq_app("proof", PROOF_LIVENESS_REQUIRED=False)


@pytest.fixture
def rq_proof(rq_app, astronaut_template):
    """DP100001 enrolled and logged in on the Redis-backed app."""
    import face_engine
    from webapp.db import get_session
    from webapp.models import FaceReference, Pensioner
    from webapp.services import demo, proof_store

    with rq_app.app_context():
        session = get_session()
        demo.seed(session)
        p = session.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
        sealed = face_engine.encrypt_template(
            astronaut_template,
            proof_store.template_key(),
            associated_data=f"pensioner:{p.id}".encode(),
        )
        session.add(FaceReference(pensioner_id=p.id, template=sealed, source="demo"))
        session.commit()
    client = rq_app.test_client()
    AuthActions(client).login()
    return ProofSteps(client)


def _work(app) -> None:
    """A forking worker in burst mode; the parent's pooled connections are not inherited."""
    app.extensions["db_engine"].dispose()
    app.extensions["db_pid"] = os.getpid()  # the work-horse opens its own connections
    conn = Redis.from_url(app.config["REDIS_URL"])
    with app.app_context():
        Worker([Queue(app.config["RQ_QUEUE"], connection=conn)], connection=conn).work(burst=True)


def _rows(app):
    from webapp.db import get_session

    with app.app_context():
        session = get_session()
        return list(session.exec(select(ProofAttempt))), list(session.exec(select(JobRecord)))


def test_the_page_polls_until_the_worker_decides(rq_app, rq_proof, astronaut):
    response, _ = rq_proof.attest_with(moving_burst(astronaut, count=8))
    page = response.get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in page and 'data-decision="pending"' in page
    [attempt], [job] = _rows(rq_app)
    assert attempt.decision == "pending" and job.status == "queued"

    _work(rq_app)

    [attempt], [job] = _rows(rq_app)
    assert (attempt.decision, job.status, job.attempts) == ("match", "finished", 1)
    polled = rq_proof.client.get(f"/space/proof/attempts/{attempt.id}").get_data(as_text=True)
    assert 'data-decision="match"' in polled and "every 1s" not in polled


def test_a_worker_killed_mid_job_is_retried_and_decides_once(
    rq_app, rq_proof, astronaut, monkeypatch, tmp_path
):
    import face_engine
    from webapp.services import tasks

    monkeypatch.setattr(tasks, "RETRY_INTERVALS", [0, 0, 0])
    marker = tmp_path / "killed-once"
    real = face_engine.check_burst

    def dies_the_first_time(*args, **kwargs):
        if not marker.exists():
            marker.write_text("x")
            os.kill(os.getpid(), signal.SIGKILL)  # the work-horse dies mid-job
        return real(*args, **kwargs)

    monkeypatch.setattr(face_engine, "check_burst", dies_the_first_time)
    rq_proof.attest_with(moving_burst(astronaut, count=8))

    _work(rq_app)

    assert marker.exists()
    [attempt], [job] = _rows(rq_app)
    assert attempt.decision == "match"
    assert (job.status, job.attempts) == ("finished", 2)  # ran twice, recorded once
    from webapp.db import get_session
    from webapp.models import AuditEvent

    with rq_app.app_context():
        decided = get_session().exec(
            select(AuditEvent).where(AuditEvent.action == "proof_attempt_decided")
        )
        assert len(list(decided)) == 1


def test_a_lost_job_is_requeued_by_the_daily_job(rq_app, rq_proof, astronaut):
    from datetime import timedelta

    from jobs.daily import run_daily
    from webapp.db import get_session
    from webapp.models import utcnow

    rq_proof.attest_with(moving_burst(astronaut, count=8))
    # The worker took the job and died with its machine: the row says "started" for hours.
    conn = Redis.from_url(rq_app.config["REDIS_URL"])
    Queue(rq_app.config["RQ_QUEUE"], connection=conn).empty()
    with rq_app.app_context():
        session = get_session()
        job = session.exec(select(JobRecord)).one()
        job.status, job.started_at = "started", utcnow() - timedelta(hours=2)
        session.commit()
        result = run_daily()
    assert len(result["recovered"]) == 1

    _work(rq_app)

    [attempt], jobs = _rows(rq_app)
    assert attempt.decision == "match"
    assert sorted((j.status, j.error_code) for j in jobs) == [
        ("failed", "lost"),
        ("finished", None),
    ]
