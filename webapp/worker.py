"""The RQ worker: sets up the application once, then runs jobs inside its context.

``flask jobs worker`` builds it from the CLI's app; a bare RQ command line works
too (the worker then creates the app itself, once, from the environment)::

    rq worker -w webapp.worker.AppWorker --url $REDIS_URL default

Jobs never create the app: :func:`webapp.services.tasks.run_job` runs each one
in a fresh context of this app (a forked work-horse inherits it).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from rq import Worker

from .services.tasks import _resolve


class AppWorker(Worker):
    """An RQ worker bound to one Flask app, pushed around its work loop."""

    def __init__(self, *args: Any, app: Flask | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if app is None:
            # As the ``flask`` command finds it (FLASK_APP, else wsgi.py): the worker
            # module does not import the app factory, which imports the CLI, which
            # imports this module.
            from flask.cli import ScriptInfo

            app = ScriptInfo().load_app()
        self.app = app

    def work(self, *args: Any, **kwargs: Any) -> bool:
        """Warm up (before forking a child per job), then work in the app's context."""
        with self.app.app_context():
            for path in self.app.config["JOB_WARM_UP"]:
                _resolve(path)()
            return super().work(*args, **kwargs)
