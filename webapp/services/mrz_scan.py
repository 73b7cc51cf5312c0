"""Scanning a passport page: park the picture, enqueue the MRZ job, poll its row.

The picture never travels in the job's arguments: those are stored on the job
row and in RQ's job hash, and RQ logs them. :func:`submit` parks the bytes under
a random key with a short expiry (in Redis when ``REDIS_URL`` is set, else in
this process's memory, where inline jobs run) and enqueues ``jobs.mrz:read``
with the key; the job takes the bytes and deletes them once read. A picture no
job picks up expires after :data:`SCAN_TTL_SECONDS`.

The job's result, on the row that :func:`webapp.services.tasks.job_status`
returns, is :meth:`mrz_reader.MrzResult.to_dict`: ``valid``, ``lines``,
``fields``, ``reason`` (``no_mrz``, ``unreadable``, ``check_digits``, ``blur``,
``glare``, ``not_an_image``), ``seconds``. A picture without a valid MRZ is a
finished job with ``valid: false``; a failed job (``error_code``
``scan_expired``, ``internal``) means: scan again.
"""

from __future__ import annotations

import secrets
import threading

from flask import current_app

from .tasks import enqueue, redis_connection

# Long enough for a busy queue and RQ's retries (5 + 30 + 120 s), short enough
# that a scan nobody read does not linger.
SCAN_TTL_SECONDS = 600
KIND = "mrz_read"
JOB = "jobs.mrz:read"
MAX_BYTES = 20 * 1024 * 1024  # the reader refuses more anyway: do not park it
_KEY_PREFIX = "dialvie:mrz-scan:"
_memory: dict[str, bytes] = {}  # inline mode: the job runs in this process
_memory_lock = threading.Lock()


def submit(image: bytes, *, pensioner_id: int | None = None) -> str:
    """Park the picture and enqueue its reading; returns the job id to poll."""
    key = secrets.token_urlsafe(18)
    url = current_app.config["REDIS_URL"]
    if url:
        redis_connection(url).set(_KEY_PREFIX + key, image[: MAX_BYTES + 1], ex=SCAN_TTL_SECONDS)
    else:
        with _memory_lock:
            _memory[key] = image
    try:
        return enqueue(KIND, JOB, key, pensioner_id=pensioner_id)
    finally:
        if not url:
            forget(key)  # inline: the job has run (or failed) by now


def parked(key: str) -> bytes | None:
    """The picture parked under ``key``, if it has not expired or been read."""
    url = current_app.config["REDIS_URL"]
    if url:
        value = redis_connection(url).get(_KEY_PREFIX + key)
        return bytes(value) if value is not None else None
    with _memory_lock:
        return _memory.get(key)


def forget(key: str) -> None:
    """Delete the picture parked under ``key``."""
    url = current_app.config["REDIS_URL"]
    if url:
        redis_connection(url).delete(_KEY_PREFIX + key)
    else:
        with _memory_lock:
            _memory.pop(key, None)
