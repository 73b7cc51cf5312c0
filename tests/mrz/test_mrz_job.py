"""The MRZ job: the scan page submits a picture and polls the job row for the result."""

from __future__ import annotations

from redis import Redis
from rq import Queue, SimpleWorker

from tests.mrz.pages import jpeg, landscape
from webapp.services import mrz_scan
from webapp.services.tasks import enqueue, job_status


def test_inline_scan_job_returns_the_mrz_on_the_job_row(app, photo, identity):
    with app.app_context():
        job_id = mrz_scan.submit(photo(rotate=2))
        record = job_status(job_id)
        assert record.status == "finished" and record.kind == "mrz_read"
        assert record.result["valid"] is True
        assert record.result["lines"] == identity.td3_lines()
        assert record.result["fields"]["document_number"] == "AB1234567"
        assert mrz_scan._memory == {}  # the picture is gone once read


def test_a_picture_without_mrz_is_a_result_not_a_job_failure(app):
    with app.app_context():
        record = job_status(mrz_scan.submit(jpeg(landscape())))
        assert record.status == "finished"
        assert (record.result["valid"], record.result["reason"]) == (False, "no_mrz")


def test_scan_job_runs_on_an_rq_worker_and_the_picture_leaves_redis(make_rq_app, photo, identity):
    app = make_rq_app("mrz")
    picture = photo(noise=6)
    conn = Redis.from_url(app.config["REDIS_URL"])
    with app.app_context():
        job_id = mrz_scan.submit(picture)
        record = job_status(job_id)
        assert record.status == "queued"
        (key,) = record.args["args"]
        assert len(key) < 40 and picture not in str(record.args).encode()  # a key, not the image
        assert conn.get("dialvie:mrz-scan:" + key) == picture
        queue = Queue(app.config["RQ_QUEUE"], connection=conn)
        SimpleWorker([queue], connection=conn).work(burst=True)
        record = job_status(job_id)
        assert record.status == "finished"
        assert record.result["lines"] == identity.td3_lines()
        assert conn.exists("dialvie:mrz-scan:" + key) == 0


def test_a_scan_whose_picture_expired_fails_with_a_code(app):
    with app.app_context():
        record = job_status(enqueue("mrz_read", "jobs.mrz:read", "no-such-key"))
        assert (record.status, record.error_code) == ("failed", "scan_expired")
