"""Send a batch of queued reminders (one RQ job per few hundred messages).

Each message is claimed by a conditional UPDATE in ``notify.deliver``, so a
batch delivered twice, or overlapping another, sends each message once. A
message whose provider fails does not hold up the rest of the batch; the job
is then retried for those alone (the sent ones are skipped).
"""

from __future__ import annotations

import logging

from webapp.db import get_session
from webapp.services import notify
from webapp.services.tasks import retries_left

log = logging.getLogger(__name__)


def send_batch(notification_ids: list[int]) -> dict:
    """Deliver each queued message; returns counts by outcome."""
    session = get_session()
    final = not retries_left()
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    first_error: Exception | None = None
    for notification_id in notification_ids:
        try:
            counts[notify.deliver(session, notification_id, final=final)] += 1
        except Exception as exc:  # recorded on the row by deliver(); retried below
            counts["failed"] += 1
            first_error = first_error or exc
            log.warning("notification %s not sent: %s", notification_id, exc)
    if first_error is not None:
        raise first_error
    return counts
