"""Moved: the queue is :mod:`webapp.services.tasks` (enqueue by path, ``JobFailed``).

Kept only so branches written against the old location still work; new code
imports ``webapp.services.tasks``. The web side must not import ``jobs`` at all
(tests/test_layers.py checks it), so ``tasks.enqueue`` takes the job's path as a
string (``"jobs.face:check_attempt"``); this shim still accepts a function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from webapp.services.tasks import JobFailed, job_status, redis_connection
from webapp.services.tasks import enqueue as _enqueue

__all__ = ["JobFailed", "enqueue", "job_status", "redis_connection"]


def enqueue(kind: str, func: Callable[..., Any] | str, *args: Any, **kwargs: Any) -> str:
    """Old signature: ``func`` may be the job function itself."""
    if not isinstance(func, str):
        func = f"{func.__module__}:{func.__qualname__}"
    return _enqueue(kind, func, *args, **kwargs)
