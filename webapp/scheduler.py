"""Run the daily cycle by itself in the embedded default: a thread in the web process.

With ``SCHEDULER=thread`` (the default when ``REDIS_URL`` is unset) the first
request starts one daemon thread per process that calls
:func:`webapp.services.daily.tick` every ``SCHEDULER_TICK_SECONDS``. Several
processes are safe: the day is claimed in the database. In production, with
Redis, run ``flask jobs cron`` (RQ's cron scheduler) instead, or a cron line
calling ``flask proof tick``.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

log = logging.getLogger(__name__)
_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Start the thread on the app's first request when ``SCHEDULER == "thread"``."""
    if app.config["SCHEDULER"] != "thread":
        return

    @app.before_request
    def _start_scheduler() -> None:
        with _lock:
            if "scheduler_stop" in app.extensions:
                return
            stop = app.extensions["scheduler_stop"] = threading.Event()
        threading.Thread(
            target=_loop, args=(app, stop), name="dialvie-scheduler", daemon=True
        ).start()


def stop(app: Flask) -> None:
    """Stop the app's scheduler thread (tests; a clean shutdown)."""
    event = app.extensions.get("scheduler_stop")
    if event is not None:
        event.set()


def _loop(app: Flask, stopped: threading.Event) -> None:
    from . import db
    from .services import daily

    while not stopped.is_set():
        with app.app_context():
            try:
                daily.tick(db.get_session())
            except Exception:  # keep ticking: the next tick retries the day
                log.exception("scheduled daily cycle failed")
        stopped.wait(app.config["SCHEDULER_TICK_SECONDS"])
