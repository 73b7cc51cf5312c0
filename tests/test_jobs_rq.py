"""Jobs on a real Redis with a real RQ worker: results land on the job row; retries."""

import subprocess
import sys

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from sqlmodel import select

from tests.conftest import AuthActions
from webapp.models import AttestationPdf, JobRecord


@pytest.fixture
def rq_app(make_rq_app):
    """The app with jobs on Redis, on a queue of its own."""
    return make_rq_app()


def _work(app):
    conn = Redis.from_url(app.config["REDIS_URL"])
    with app.app_context():
        SimpleWorker([Queue(app.config["RQ_QUEUE"], connection=conn)], connection=conn).work(
            burst=True
        )


def test_attestation_job_runs_on_an_rq_worker(rq_app, db):
    from webapp.services import demo

    with rq_app.app_context():
        from webapp.db import get_session

        demo.seed(get_session())
    client = rq_app.test_client()
    AuthActions(client).login()
    page = client.post("/space/attestation/2021/pdf", headers={"HX-Request": "true"}).data.decode()
    assert 'hx-trigger="every 1s"' in page  # queued: the page polls
    job = db.exec(select(JobRecord)).one()
    assert job.status == "queued"
    _work(rq_app)
    db.expire_all()
    job = db.exec(select(JobRecord)).one()
    assert job.status == "finished" and job.attempts == 1
    assert db.exec(select(AttestationPdf)).one().pdf.startswith(b"%PDF")
    done = client.get(f"/space/jobs/{job.id}", headers={"HX-Request": "true"}).data.decode()
    assert "every 1s" not in done and "Télécharger" in done


def test_a_worker_started_by_the_flask_command_processes_the_queue(
    rq_app, db, pg_url, redis_server_url
):
    from webapp.services import demo

    with rq_app.app_context():
        from webapp.db import get_session

        demo.seed(get_session())
    client = rq_app.test_client()
    AuthActions(client).login("DP100002")
    client.post("/space/attestation/2020/pdf")
    env = {
        "DATABASE_URL": pg_url,
        "REDIS_URL": redis_server_url,
        "RQ_QUEUE": rq_app.config["RQ_QUEUE"],
        "SECRET_KEY": "test-secret",
        "DV_FAST_HASHING": "1",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    db.expire_all()
    assert db.exec(select(JobRecord)).one().status == "finished"


def test_infrastructure_failures_are_retried_and_bad_input_is_not(rq_app, db, monkeypatch):
    import jobs.pdf
    from webapp.services.tasks import enqueue

    calls = {"n": 0}
    real = jobs.pdf.attestation_html

    def flaky(attestation_id, lang="fr"):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("database went away")
        return real(attestation_id, lang)

    monkeypatch.setattr(jobs.pdf, "attestation_html", flaky)
    monkeypatch.setattr("webapp.services.tasks.RETRY_INTERVALS", [0])
    from webapp.services import demo

    with rq_app.test_request_context():
        from webapp.db import get_session

        demo.seed(get_session())
        from webapp.models import Pensioner
        from webapp.services.attestations import get_or_issue

        pensioner = get_session().exec(select(Pensioner)).first()
        att = get_or_issue(get_session(), pensioner, 2021)
        good = enqueue("attestation_pdf", "jobs.pdf:render_attestation", att.id)
        bad = enqueue("attestation_pdf", "jobs.pdf:render_attestation", 999999)
    _work(rq_app)  # first attempt fails, retry scheduled immediately
    _work(rq_app)
    db.expire_all()
    good_row, bad_row = db.get(JobRecord, good), db.get(JobRecord, bad)
    assert (good_row.status, good_row.attempts) == ("finished", 2)
    assert (bad_row.status, bad_row.error_code, bad_row.attempts) == (
        "failed",
        "attestation_not_found",
        1,
    )


def test_a_bare_rq_worker_with_the_app_worker_class_processes_the_queue(
    rq_app, db, pg_url, redis_server_url
):
    """``rq worker -w webapp.worker.AppWorker``: the worker creates the app once itself."""
    from pathlib import Path

    from webapp.services import demo

    with rq_app.app_context():
        from webapp.db import get_session

        demo.seed(get_session())
    client = rq_app.test_client()
    AuthActions(client).login("DP100003")
    client.post("/space/attestation/2020/pdf")
    env = {
        "DATABASE_URL": pg_url,
        "REDIS_URL": redis_server_url,
        "SECRET_KEY": "test-secret",
        "PATH": "/usr/bin:/bin",
    }
    rq = Path(sys.executable).parent / "rq"
    result = subprocess.run(
        [str(rq), "worker", "-w", "webapp.worker.AppWorker", "--burst"]
        + ["--url", redis_server_url, rq_app.config["RQ_QUEUE"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    db.expire_all()
    job = db.exec(select(JobRecord)).one()
    assert (job.status, job.attempts) == ("finished", 1)
