"""Background jobs: thin functions that take plain ids and write their result to the database.

The rule for writing one (see also :mod:`webapp.services.tasks` and docs/architecture.md):

- a module-level function in ``jobs/<area>.py``, arguments ids and plain values;
- it runs inside the application context the worker set up once (or, inline,
  the caller's): use ``webapp.db.get_session()`` and ``current_app.config``; never
  call ``create_app``, never touch ``request``;
- the work itself lives in a service (``webapp/services``); the job calls it;
- idempotent: a retried or re-delivered job does nothing twice;
- a permanent, user-explained failure raises ``webapp.services.tasks.JobFailed``.

The web side enqueues by path, never by importing this package::

    from webapp.services import tasks
    tasks.enqueue("face_check", "jobs.face:check_attempt", attempt.id, pensioner_id=...)
"""
