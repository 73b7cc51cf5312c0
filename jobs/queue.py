"""Enqueue jobs on Redis with RQ when ``REDIS_URL`` is set, else run them inline.

Every job has a ``JobRecord`` row that the web side polls; RQ's own job id is
the same id. A job function returns a small dict (the result) or raises
:class:`JobFailed` for a permanent, user-explained failure (bad input: no
retry). Any other exception is treated as an infrastructure failure and
retried by RQ while retries are left.
"""

from __future__ import annotations

import importlib
import logging
import os
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context

log = logging.getLogger(__name__)
_worker_app: Flask | None = None
RETRY_INTERVALS = [5, 30, 120]


class JobFailed(Exception):
    """A permanent failure with a stable code the page can explain (no retry)."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code


def _func_path(func: Callable | str) -> str:
    if isinstance(func, str):
        return func
    if "<" in func.__qualname__:
        raise ValueError(f"job functions must be importable module attributes: {func!r}")
    return f"{func.__module__}:{func.__qualname__}"


def _resolve(path: str) -> Callable:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def redis_connection(url: str | None = None):
    """A Redis connection for the configured URL."""
    from redis import Redis

    return Redis.from_url(url or current_app.config["REDIS_URL"])


def enqueue(
    kind: str,
    func: Callable | str,
    *args: Any,
    pensioner_id: int | None = None,
    timeout: int | None = None,
) -> str:
    """Record the job, then enqueue it (or run it now). Returns the job id."""
    from webapp.db import get_session
    from webapp.models import JobRecord

    path = _func_path(func)
    record = JobRecord(
        id=uuid.uuid4().hex,
        kind=kind,
        pensioner_id=pensioner_id,
        args={"func": path, "args": list(args)},
    )
    session = get_session()
    session.add(record)
    session.commit()
    url = current_app.config["REDIS_URL"]
    if url:
        from rq import Queue, Retry

        queue = Queue(current_app.config["RQ_QUEUE"], connection=redis_connection(url))
        queue.enqueue(
            run_job,
            record.id,
            path,
            list(args),
            job_id=record.id,
            job_timeout=timeout or current_app.config["JOB_TIMEOUT"],
            retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
            result_ttl=3600,
            failure_ttl=7 * 86400,
        )
    else:
        run_job(record.id, path, list(args))
    return record.id


def _app() -> Flask:
    """The app to run a job in: the current one inline, one per worker process otherwise."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _worker_app is None:
        from webapp import create_app

        _worker_app = create_app()
    return _worker_app


def run_job(job_id: str, func_path: str, args: list[Any]) -> dict[str, Any] | None:
    """Run one job in a fresh app context and write its outcome on the job row."""
    app = _app()
    with app.app_context():
        from webapp import db
        from webapp.models import JobRecord, utcnow

        if os.getpid() != app.extensions.get("db_pid", os.getpid()):
            # A forked RQ work-horse must not share the parent's connections.
            db.engine().dispose(close=False)
        app.extensions["db_pid"] = os.getpid()
        session = db.get_session()
        record = session.get(JobRecord, job_id)
        if record is None:
            log.error("job %s has no record; ignored", job_id)
            return None
        if record.status == "finished":
            return record.result  # idempotent: a re-delivered job does nothing twice
        record.status, record.started_at = "started", utcnow()
        record.attempts += 1
        session.commit()
        try:
            result = _resolve(func_path)(*args) or {}
        except JobFailed as exc:
            session.rollback()
            record.status, record.error_code, record.finished_at = "failed", exc.code, utcnow()
            session.commit()
            return None
        except Exception:
            session.rollback()
            log.exception("job %s (%s) failed", job_id, func_path)
            retries_left = _retries_left()
            record.status = "queued" if retries_left else "failed"
            record.error_code = "retrying" if retries_left else "internal"
            record.finished_at = None if retries_left else utcnow()
            session.commit()
            if retries_left is None:
                return None  # inline: reported on the job row, nothing to retry
            raise
        record.status, record.result, record.finished_at = "finished", result, utcnow()
        record.error_code = None
        session.commit()
        return result


def _retries_left() -> int | None:
    """Retries RQ still has for the current job, or None when running inline."""
    try:
        from rq import get_current_job
    except ImportError:  # pragma: no cover
        return None
    job = get_current_job()
    if job is None:
        return None
    return int(job.retries_left or 0)


def job_status(job_id: str):
    """The job row, for the polling partial."""
    from webapp.db import get_session
    from webapp.models import JobRecord

    # populate_existing: an inline job wrote the row through another session.
    return get_session().get(JobRecord, job_id, populate_existing=True)
