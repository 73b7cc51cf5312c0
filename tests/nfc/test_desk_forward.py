"""The desk helper's HTTP side: session URLs, retries, and what the server's answers mean."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from nfc_bridge import forward as desk


class _Server:
    """A tiny relay stand-in answering each POST with the next canned (status, body)."""

    def __init__(self, answers: list[tuple[int, dict]]):
        self.answers = list(answers)
        self.bodies: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers["Content-Length"])
                outer.bodies.append(json.loads(self.rfile.read(length)))
                status, body = outer.answers.pop(0)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/nfc/sessions/a.b/exchange"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_session_url_parsing():
    assert desk.exchange_url("https://x.example/nfc/sessions/a.b") == (
        "https://x.example/nfc/sessions/a.b/exchange"
    )
    assert desk.exchange_url("http://127.0.0.1:5000/nfc/sessions/a.b/exchange/").endswith(
        "/nfc/sessions/a.b/exchange"
    )
    for bad in ("ftp://x/nfc/sessions/a.b", "https://x.example/staff/", "a.b"):
        with pytest.raises(desk.ForwardError) as caught:
            desk.exchange_url(bad)
        assert caught.value.exit_code == desk.EXIT_USAGE


def test_the_helper_retries_a_lost_reply_then_gives_up_with_exit_5():
    waits: list[float] = []
    poster = desk.HttpPoster(
        "http://127.0.0.1:9/nfc/sessions/a.b/exchange", timeout=1, sleep=waits.append
    )
    with pytest.raises(desk.ForwardError) as caught:
        poster({"seq": 0, "responses": []})
    assert caught.value.exit_code == desk.EXIT_NETWORK
    assert waits == [0.5, 1.0, 2.0, 4.0], "five attempts, as the Android helper"


def test_a_5xx_is_retried_with_the_same_body_then_the_reply_is_used():
    reply = {"seq": 1, "commands": [], "progress": 1, "done": True, "error": None}
    with _Server([(503, {}), (200, reply)]) as server:
        waits: list[float] = []
        got = desk.HttpPoster(server.url, sleep=waits.append)({"seq": 0, "responses": []})
    assert got == reply and waits == [0.5]
    assert server.bodies == [{"seq": 0, "responses": []}] * 2


def test_an_expired_session_is_final_with_the_servers_french_text():
    error = {"code": "session_expired", "message_fr": "La session a expiré, veuillez recommencer"}
    with _Server([(410, {"error": error})]) as server:
        with pytest.raises(desk.ForwardError) as caught:
            desk.HttpPoster(server.url, sleep=lambda s: None)({"seq": 0, "responses": []})
    assert caught.value.exit_code == desk.EXIT_SESSION
    assert caught.value.code == "session_expired"
    assert "La session a expiré" in str(caught.value)


def test_a_read_the_server_ends_with_an_error_exits_1_with_its_message():
    first = {"seq": 1, "commands": ["00a4040c07a0000002471001"], "progress": 0.1, "done": False}
    text = "Vérifiez les informations de votre passeport"
    error = {"code": "bac_failed", "message_fr": text}
    last = {"seq": 2, "commands": [], "progress": 0.1, "done": True, "error": error}
    with _Server([(200, first), (200, last)]) as server:
        sent: list[list[bytes]] = []

        def chip(commands):
            sent.append(commands)
            return [b"\x90\x00"] * len(commands)

        with pytest.raises(desk.ForwardError) as caught:
            desk.forward(desk.HttpPoster(server.url), chip, max_apdu=261)
    assert caught.value.exit_code == desk.EXIT_READ_FAILED
    assert "Vérifiez les informations" in str(caught.value)
    assert sent == [[bytes.fromhex("00a4040c07a0000002471001")]]
    assert server.bodies == [
        {"seq": 0, "responses": [], "max_apdu": 261},
        {"seq": 1, "responses": ["9000"]},
    ]


def test_a_bad_session_url_is_a_usage_error_without_a_network_call(capsys):
    assert desk_main(["forward", "https://x.example/staff/pensioners/1"]) == desk.EXIT_USAGE
    assert "not a session URL" in capsys.readouterr().err


def desk_main(argv):
    from nfc_bridge.__main__ import main

    return main(argv)
