"""Channel backends for ``notify``: the development outbox, SMTP, an HTTP SMS provider.

Each ``send(db, message)`` either hands the message over or raises; the caller
records the failure and the job is retried. SMTP uses the standard library's
``smtplib`` (a well-kept client, nothing to add); the SMS provider is a plain
JSON POST with ``requests``, configurable field names, and the notification id
as an idempotency key so a provider that supports it can drop a duplicate.
"""

from __future__ import annotations

import base64
import json
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import requests
from flask import current_app
from sqlmodel import Session

from ..models import OutboxMessage
from .notify_message import Message


class OutboxBackend:
    """Stores the message in the database (read at /dev/outbox in debug or demo mode)."""

    def send(self, db: Session, message: Message) -> None:
        db.add(
            OutboxMessage(
                notification_id=message.notification_id,
                channel=message.channel,
                destination=message.destination,
                subject=message.subject or None,
                body=message.body,
                attachments=[
                    {
                        "filename": name,
                        "mimetype": mimetype,
                        "size": len(content),
                        "content": base64.b64encode(content).decode(),
                    }
                    for name, mimetype, content in message.attachments
                ],
            )
        )
        db.flush()


class SmtpBackend:
    """E-mail through an SMTP server (``SMTP_*`` settings), optionally STARTTLS and login."""

    def send(self, db: Session, message: Message) -> None:
        cfg = current_app.config
        mail = EmailMessage()
        mail["From"] = cfg["MAIL_FROM"]
        mail["To"] = message.destination
        mail["Subject"] = message.subject
        mail["Message-ID"] = make_msgid(f"notification-{message.notification_id}")
        mail.set_content(message.body)
        if message.html:
            mail.add_alternative(message.html, subtype="html")
        for name, mimetype, content in message.attachments:
            maintype, _, subtype = mimetype.partition("/")
            mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
        with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT"]) as smtp:
            if cfg["SMTP_STARTTLS"]:
                smtp.starttls()
            if cfg["SMTP_USER"]:
                smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
            smtp.send_message(mail)


class SmsProviderError(Exception):
    """The SMS provider did not accept the message (the job retries)."""


class HttpSmsBackend:
    """An SMS provider's HTTP API: one JSON POST per message; any 2xx means accepted."""

    def send(self, db: Session, message: Message) -> None:
        cfg = current_app.config
        if not cfg["SMS_HTTP_URL"]:
            raise SmsProviderError("SMS_HTTP_URL is not set")
        payload = dict(json.loads(cfg["SMS_HTTP_EXTRA"] or "{}"))
        payload[cfg["SMS_HTTP_TO_FIELD"]] = message.destination
        payload[cfg["SMS_HTTP_TEXT_FIELD"]] = message.body
        payload["reference"] = f"notification-{message.notification_id}"
        headers = {"Idempotency-Key": payload["reference"]}
        if cfg["SMS_HTTP_TOKEN"]:
            headers["Authorization"] = f"Bearer {cfg['SMS_HTTP_TOKEN']}"
        response = requests.post(
            cfg["SMS_HTTP_URL"], json=payload, headers=headers, timeout=cfg["SMS_HTTP_TIMEOUT"]
        )
        if not 200 <= response.status_code < 300:
            raise SmsProviderError(f"HTTP {response.status_code}: {response.text[:200]}")
