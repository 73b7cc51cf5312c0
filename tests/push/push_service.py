"""A Web Push service on loopback that checks what a real one checks.

It stands in for the browser vendors' push services, which are unreachable
here, and speaks their protocol (RFC 8030): it refuses a request whose VAPID
JWT (RFC 8292) is not signed by the key in ``Authorization: vapid t=…, k=…``,
whose audience is not its own origin or whose expiry is missing or more than 24
hours ahead, and it decrypts the ``aes128gcm`` body (RFC 8188/8291) with the
subscription's private key, as the browser would. Answers can be scripted per
endpoint (410 for an expired subscription, 429/503 for a busy service).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def _unb64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Device:
    """A browser's side of a subscription: its key pair and auth secret."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict:
        """What ``PushSubscription.toJSON()`` gives the page."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": _b64(point), "auth": _b64(self.auth)}}


@dataclass
class Received:
    """One accepted message, decrypted."""

    device: str
    payload: dict
    headers: dict
    claims: dict


class PushService:
    """Start with ``with PushService() as service``; ``service.device()`` makes a subscription."""

    def __init__(self) -> None:
        self.devices: dict[str, Device] = {}
        self.received: list[Received] = []
        self.rejected: list[tuple[int, str]] = []
        self.scripted: dict[str, list[tuple[int, dict]]] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PushService:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def device(self) -> Device:
        """A new browser subscription on this service."""
        name = _b64(os.urandom(9))
        dev = Device(endpoint=f"{self.origin}/wpush/{name}")
        self.devices[name] = dev
        return dev

    def script(self, device: Device, *answers: int | tuple[int, dict]) -> None:
        """The next answers for ``device`` (status, optional headers); then 201 again."""
        name = device.endpoint.rsplit("/", 1)[1]
        self.scripted[name] = [a if isinstance(a, tuple) else (a, {}) for a in answers]

    def _check(self, name: str, headers, body: bytes) -> Received:
        device = self.devices.get(name)
        if device is None:
            raise _Refused(404, "no such subscription")
        if headers.get("Content-Encoding") != "aes128gcm":
            raise _Refused(415, "content encoding must be aes128gcm")
        if "TTL" not in headers:
            raise _Refused(400, "TTL header is required (RFC 8030 5.2)")
        auth = headers.get("Authorization", "")
        if not auth.startswith("vapid "):
            raise _Refused(401, "VAPID authorization required")
        params = dict(part.strip().split("=", 1) for part in auth[6:].split(","))
        token, key = params.get("t", ""), params.get("k", "")
        claims = self._verify_jwt(token, key)
        plaintext = http_ece.decrypt(
            body, private_key=device.private_key, auth_secret=device.auth, version="aes128gcm"
        )
        return Received(
            name, json.loads(plaintext), {k.lower(): v for k, v in headers.items()}, claims
        )

    def _verify_jwt(self, token: str, key: str) -> dict:
        try:
            header_b64, claims_b64, sig_b64 = token.split(".")
            header, claims = json.loads(_unb64(header_b64)), json.loads(_unb64(claims_b64))
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(key))
            sig = _unb64(sig_b64)
            der = encode_dss_signature(
                int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
            )
            public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except (ValueError, InvalidSignature, json.JSONDecodeError):
            raise _Refused(403, "VAPID JWT signature does not verify") from None
        if header.get("alg") != "ES256":
            raise _Refused(403, "VAPID JWT must be ES256")
        if claims.get("aud") != self.origin:
            raise _Refused(403, f"audience {claims.get('aud')!r} is not {self.origin}")
        exp = claims.get("exp")
        if not isinstance(exp, int) or not time.time() < exp <= time.time() + 24 * 3600 + 60:
            raise _Refused(403, "expiry missing or more than 24 hours ahead")
        return claims

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                name = self.path.rsplit("/", 1)[1]
                with service.lock:
                    queue = service.scripted.get(name) or []
                    status, extra = queue.pop(0) if queue else (201, {})
                try:
                    received = service._check(name, self.headers, body)
                except _Refused as exc:
                    status, extra = exc.status, {}
                    with service.lock:
                        service.rejected.append((exc.status, exc.reason))
                else:
                    if status < 300:
                        with service.lock:
                            service.received.append(received)
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler


class _Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason
