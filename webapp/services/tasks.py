"""The one way to start background work: enqueue a job by its path, poll its row.

Routes and services call :func:`enqueue` with the job's *kind* (a name the pages
know), the job function's import path as a string (``"jobs.face:check_attempt"``)
and plain arguments (ids, dates as ISO strings): nothing under ``webapp`` imports
the ``jobs`` package, so the web side and the jobs never import each other.

With ``REDIS_URL`` set the job goes to RQ; otherwise it runs inline, now, in the
caller's process (the embedded default). Every job has a :class:`JobRecord` row
that the page polls; RQ's own job id is the same id.

Writing a job (``jobs/<area>.py``):

- a plain module-level function taking ids and plain values, returning a small
  JSON-able dict (the result) or ``None``;
- it runs inside an application context that the worker set up once
  (:class:`webapp.worker.AppWorker`, ``flask jobs worker``) or, inline, the
  caller's app: use ``get_session()`` and ``current_app.config``, never
  ``create_app`` and never ``request``;
- it is idempotent: a retried or re-delivered job must not do anything twice
  (check the row's state, write with a conditional ``UPDATE``);
- a permanent, user-explained failure raises :class:`JobFailed` with a message
  key; anything else is an infrastructure failure that RQ retries.
"""

from __future__ import annotations

import importlib
import logging
import os
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from .. import db
from ..models import JobRecord, utcnow

log = logging.getLogger(__name__)
RETRY_INTERVALS = [5, 30, 120]


class JobFailed(Exception):
    """A permanent failure with a stable code the page can explain (no retry)."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code


def _resolve(path: str) -> Callable[..., Any]:
    """The job function named ``"package.module:function"``."""
    module, _, name = path.partition(":")
    if not name:
        raise ValueError(f"a job path reads 'module:function', not {path!r}")
    func: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return func


def redis_connection(url: str | None = None):
    """A Redis connection for the configured URL."""
    from redis import Redis

    return Redis.from_url(url or current_app.config["REDIS_URL"])


def enqueue(
    kind: str,
    func_path: str,
    *args: Any,
    pensioner_id: int | None = None,
    timeout: int | None = None,
    retry_intervals: list[int] | None = None,
) -> str:
    """Record the job, then enqueue it on RQ (or run it now, inline). Returns the job id.

    ``func_path`` is ``"jobs.module:function"``; ``args`` must be JSON-able;
    ``retry_intervals`` (seconds) replaces the default retry schedule.
    """
    if not isinstance(func_path, str) or ":" not in func_path:
        raise ValueError(f"enqueue takes the job's path 'module:function', not {func_path!r}")
    record = JobRecord(
        id=uuid.uuid4().hex,
        kind=kind,
        pensioner_id=pensioner_id,
        args={"func": func_path, "args": list(args)},
    )
    session = db.get_session()
    session.add(record)
    session.commit()
    url = current_app.config["REDIS_URL"]
    if url:
        from rq import Queue, Retry

        intervals = RETRY_INTERVALS if retry_intervals is None else retry_intervals
        queue = Queue(current_app.config["RQ_QUEUE"], connection=redis_connection(url))
        queue.enqueue(
            run_job,
            record.id,
            func_path,
            list(args),
            job_id=record.id,
            job_timeout=timeout or current_app.config["JOB_TIMEOUT"],
            retry=Retry(max=len(intervals), interval=intervals),
            result_ttl=3600,
            failure_ttl=7 * 86400,
        )
    else:
        run_job(record.id, func_path, list(args))
    return record.id


def run_now(func_path: str, *args: Any) -> Any:
    """Call a job function here and now, in the current app context, with no job row
    (an operator command running a job by hand)."""
    return _resolve(func_path)(*args)


def retry(job: JobRecord) -> str:
    """Enqueue a failed job again with the same function and arguments; the new id."""
    return enqueue(job.kind, job.args["func"], *job.args["args"], pensioner_id=job.pensioner_id)


def run_job(job_id: str, func_path: str, args: list[Any]) -> dict[str, Any] | None:
    """Run one job in a fresh app context and write its outcome on the job row.

    Called by RQ in a worker that pushed its application context (see
    :mod:`webapp.worker`), or inline by :func:`enqueue`; never creates an app.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    # A fresh context: the job gets its own session, apart from the caller's.
    with app.app_context():
        if os.getpid() != app.extensions.get("db_pid", os.getpid()):
            # A forked RQ work-horse must not share the parent's connections.
            db.engine().dispose(close=False)
        app.extensions["db_pid"] = os.getpid()
        return _run_recorded(job_id, func_path, args)


def _run_recorded(job_id: str, func_path: str, args: list[Any]) -> dict[str, Any] | None:
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


def retries_left() -> int | None:
    """Retries RQ still has for the running job (0: this is the last try; None: inline)."""
    return _retries_left()


def _retries_left() -> int | None:
    """Retries RQ still has for the current job, or None when running inline."""
    from rq import get_current_job

    job = get_current_job()
    if job is None:
        return None
    return int(job.retries_left or 0)


def job_status(job_id: str) -> JobRecord | None:
    """The job row, for the polling partial."""
    # populate_existing: an inline job wrote the row through another session.
    return db.get_session().get(JobRecord, job_id, populate_existing=True)
