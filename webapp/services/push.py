"""Web push (RFC 8030/8291/8292): subscriptions, and delivery through pywebpush with VAPID.

A browser that allowed notifications gives us an endpoint on its vendor's push
service and two keys; pywebpush encrypts each message for those keys
(``aes128gcm``) and signs a VAPID JWT with our private key, so the push service
knows who sends. Outcomes:

- 201/202: delivered to the push service;
- 404/410: the subscription is gone (uninstalled, permission revoked): the row is
  deleted and the message falls back to the next channel;
- 429 and 5xx, or a network error: retry later (``PushRetry``), honouring
  ``Retry-After`` when the service sends it.

Messages carry a TTL (a reminder is useless after its deadline), an urgency and a
``Topic`` so a newer reminder replaces an older one still waiting on the service.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from flask_babel import lazy_gettext as _l
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush
from sqlmodel import Session, select

from ..errors import DomainError
from ..models import PushSubscription, utcnow

log = logging.getLogger(__name__)

#: Longest endpoint we store; real services use 150-500 characters.
MAX_ENDPOINT = 1000
#: RFC 8030 Topic: at most 32 characters of the URL-safe base64 alphabet.
TOPIC_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
URGENCIES = ("very-low", "low", "normal", "high")


class InvalidSubscription(DomainError):
    """The browser sent a subscription we cannot use."""

    message = _l("Cet appareil ne peut pas recevoir de notifications.")


class PushNotConfigured(DomainError):
    """No VAPID key pair: run ``flask push init-keys``."""

    message = _l("Les notifications ne sont pas disponibles pour le moment.")


class PushRetry(Exception):
    """The push service is busy or down: try again after ``retry_after`` seconds."""

    def __init__(self, status: int | None, retry_after: int | None = None):
        super().__init__(f"push service answered {status}")
        self.status = status
        self.retry_after = retry_after


class Outcome(enum.StrEnum):
    """What happened to one message on one subscription."""

    SENT = "sent"
    GONE = "gone"


def _b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64url(data: bytes) -> str:
    """base64url without padding (the encoding of every Web Push key)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def validate(data: Any, allow_http: bool = False) -> dict[str, str]:
    """Check a ``PushSubscription.toJSON()`` object; return endpoint, p256dh, auth."""
    if not isinstance(data, dict):
        raise InvalidSubscription(reason="not_object")
    endpoint, keys = data.get("endpoint"), data.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, dict):
        raise InvalidSubscription(reason="missing_fields")
    parts = urlsplit(endpoint)
    schemes = ("https", "http") if allow_http else ("https",)
    if len(endpoint) > MAX_ENDPOINT or parts.scheme not in schemes or not parts.hostname:
        raise InvalidSubscription(reason="endpoint")
    if any(ord(c) < 33 for c in endpoint):
        raise InvalidSubscription(reason="endpoint")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not isinstance(auth, str) or len(p256dh) > 100:
        raise InvalidSubscription(reason="keys")
    try:
        point, secret = _b64url_decode(p256dh), _b64url_decode(auth)
        # The client key must be a real point on P-256, or encryption fails later.
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (binascii.Error, ValueError):
        raise InvalidSubscription(reason="keys") from None
    if len(point) != 65 or len(secret) != 16:
        raise InvalidSubscription(reason="keys")
    return {"endpoint": endpoint, "p256dh": p256dh, "auth": auth}


def subscribe(session: Session, pensioner_id: int, data: Any, language: str) -> PushSubscription:
    """Store (or move to this pensioner) a browser's subscription."""
    clean = validate(data, allow_http=current_app.config["PUSH_ALLOW_HTTP"])
    row = session.exec(
        select(PushSubscription).where(PushSubscription.endpoint == clean["endpoint"])
    ).first()
    if row is None:
        row = PushSubscription(
            pensioner_id=pensioner_id,
            endpoint=clean["endpoint"],
            p256dh=clean["p256dh"],
            auth=clean["auth"],
        )
    # The same browser used by another pensioner now belongs to the one logged in.
    row.pensioner_id, row.p256dh, row.auth = pensioner_id, clean["p256dh"], clean["auth"]
    row.language = language
    session.add(row)
    session.commit()
    return row


def unsubscribe(session: Session, pensioner_id: int, endpoint: str) -> bool:
    """Forget this browser's subscription; True when there was one."""
    row = session.exec(
        select(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.pensioner_id == pensioner_id
        )
    ).first()
    if row is None:
        return False
    session.delete(row)
    session.commit()
    return True


def subscriptions(session: Session, pensioner_id: int) -> list[PushSubscription]:
    """The pensioner's live subscriptions (one per device)."""
    return list(
        session.exec(select(PushSubscription).where(PushSubscription.pensioner_id == pensioner_id))
    )


@dataclass(frozen=True)
class Message:
    """One notification: what the service worker shows, and how the push service keeps it."""

    title: str
    body: str
    url: str = "/space/proof/"
    topic: str | None = None
    ttl: int = 24 * 3600
    urgency: str = "normal"
    lang: str = "fr"

    def payload(self) -> str:
        """The JSON the service worker's ``push`` handler reads."""
        return json.dumps(
            {
                "title": self.title,
                "body": self.body,
                "url": self.url,
                "tag": self.topic,
                "lang": self.lang,
                "dir": "rtl" if self.lang == "ar" else "ltr",
            },
            ensure_ascii=False,
        )


@lru_cache(maxsize=4)
def _vapid(private_key: str) -> Vapid02:
    return Vapid02.from_string(private_key)


#: A VAPID JWT is valid up to 24 hours: one signature per push service per hour
#: is enough, instead of one per message.
VAPID_REUSE_SECONDS = 3600


@lru_cache(maxsize=64)
def _vapid_headers(origin: str, period: int, private_key: str, subject: str) -> dict[str, str]:
    """The signed ``Authorization: vapid t=…, k=…`` header for one push service origin."""
    del period  # part of the cache key only: a new signature every VAPID_REUSE_SECONDS
    claims = {"aud": origin, "sub": subject, "exp": int(time.time()) + 12 * 3600}
    signed = _vapid(private_key).sign(claims)
    return {"Authorization": signed["Authorization"]}


def vapid_keys_configured() -> bool:
    """True when the app can sign push requests."""
    return bool(current_app.config.get("VAPID_PRIVATE_KEY")) and bool(
        current_app.config.get("VAPID_PUBLIC_KEY")
    )


def generate_keys() -> tuple[str, str]:
    """A new VAPID key pair: (private key as base64url DER, public key as base64url point)."""
    key = Vapid02()
    key.generate_keys()
    der = key.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    point = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(der), b64url(point)


def deliver(
    sub: PushSubscription, message: Message, http: requests.Session | None = None
) -> Outcome:
    """Encrypt and POST one message to one subscription's push service."""
    if not vapid_keys_configured():
        raise PushNotConfigured()
    if message.urgency not in URGENCIES:
        raise ValueError(f"urgency must be one of {URGENCIES}")
    headers: dict[str, str | int | float] = {"Urgency": message.urgency}
    if message.topic:
        if len(message.topic) > 32 or not set(message.topic) <= TOPIC_CHARS:
            raise ValueError("a push topic is at most 32 URL-safe base64 characters")
        headers["Topic"] = message.topic
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(sub.endpoint))
    cfg = current_app.config
    headers.update(
        _vapid_headers(
            origin,
            int(time.time() // VAPID_REUSE_SECONDS),
            cfg["VAPID_PRIVATE_KEY"],
            cfg["VAPID_SUBJECT"],
        )
    )
    try:
        webpush(
            {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}},
            data=message.payload(),
            ttl=message.ttl,
            headers=headers,
            timeout=current_app.config["PUSH_TIMEOUT_SECONDS"],
            requests_session=http,
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in (404, 410):
            return Outcome.GONE
        retry_after = None
        if exc.response is not None:
            value = exc.response.headers.get("Retry-After", "")
            retry_after = int(value) if value.isdigit() else None
        if status is not None and (status == 429 or status >= 500):
            raise PushRetry(status, retry_after) from None
        # 400/403/413: our request is wrong; retrying will not help. Log, treat as gone.
        log.warning("push refused (%s) for subscription %s: %s", status, sub.id, exc)
        return Outcome.GONE
    except requests.RequestException as exc:
        raise PushRetry(None) from exc
    return Outcome.SENT


def send_to_pensioner(
    session: Session, pensioner_id: int, message: Message, http: requests.Session | None = None
) -> int:
    """Send to every device of the pensioner; return how many got it.

    Gone subscriptions are deleted. When no device got it and a push service asked
    to retry, ``PushRetry`` is raised so the caller's job tries again later; one
    device reached is enough (the pensioner is warned).
    """
    sent, retry = 0, None
    for sub in subscriptions(session, pensioner_id):
        try:
            outcome = deliver(sub, message, http)
        except PushRetry as exc:
            retry = exc
            continue
        if outcome is Outcome.GONE:
            session.delete(sub)
        else:
            sub.last_sent_at = utcnow()
            session.add(sub)
            sent += 1
    session.commit()
    if retry is not None and not sent:
        raise retry
    return sent
