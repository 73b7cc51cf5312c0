"""The notify job: hand one queued message to its channel's backend.

Thin on purpose: :func:`webapp.services.notify.deliver` claims the message with
a conditional UPDATE, so a job delivered twice sends once. A provider error is
re-raised so RQ retries; after the last retry the message waits as ``failed``
for ``flask notify retry``.
"""

from __future__ import annotations


def send(notification_id: int) -> dict:
    """Send the notification; returns ``{"notification_id", "outcome"}``."""
    from webapp.db import get_session
    from webapp.services import notify
    from webapp.services.tasks import retries_left

    left = retries_left()
    outcome = notify.deliver(get_session(), notification_id, final=not left)
    return {"notification_id": notification_id, "outcome": outcome}
