"""Real servers on loopback for the notify tests: SMTP (aiosmtpd) and a fake SMS provider.

The SMS provider is a third party we cannot run: this one speaks its protocol
(a JSON POST, bearer token, 2xx means accepted) and records every request.
"""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpRecorder:
    """An aiosmtpd server on 127.0.0.1 keeping every message received."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.port = free_port()
        recorder = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                recorder.messages.append(
                    (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
                )
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class SmsProvider:
    """A local HTTP server that answers with the queued statuses (then 200) and records."""

    def __init__(self, statuses: list[int] | None = None):
        self.requests: list[dict] = []
        self.statuses = list(statuses or [])
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                provider.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(self.rfile.read(length)),
                    }
                )
                status = provider.statuses.pop(0) if provider.statuses else 200
                body = json.dumps({"status": "accepted" if status < 300 else "unavailable"})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/sms"

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
