"""What ``notify`` hands to a channel backend, and what a backend is.

Apart from :mod:`.notify` so the backends (SMTP, SMS over HTTP, web push) import
this and not the module that chooses them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlmodel import Session


@dataclass
class Message:
    """What a backend sends: plain data, no database row."""

    notification_id: int
    channel: str
    destination: str
    subject: str
    body: str
    html: str | None = None
    # (filename, mimetype, content)
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)


class Backend(Protocol):
    """Sends one message or raises (the job retries)."""

    def send(self, db: Session, message: Message) -> None: ...
