"""The desk helper: relay a server's chip-read session to a PC/SC reader on this PC.

``python -m nfc_bridge forward SESSION_URL`` does on an adviser's workstation what
the Android helper does on a phone (see ``PROTOCOL.md``): it posts the relay's
``exchange`` requests to the server with urllib, transmits each batch of command
APDUs to the passport lying on the desk reader (``PcscTransport``) and sends the
answers back, until the server says the read is done. The server runs the whole
terminal (BAC/PACE, secure messaging, passive and active authentication); this
side sees only the session URL and ciphertext.

Nothing is cancelled on the server when the reader or the passport is missing:
the adviser plugs the reader in (or lays the passport on it) and runs the same
command again. Exit codes are in :data:`EXIT_CODES`.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .errors import NfcError

EXIT_OK = 0  # the server has the whole read
EXIT_READ_FAILED = 1  # the chip or the server ended the read (wrong MRZ data, chip removed...)
EXIT_USAGE = 2  # not a session URL
EXIT_SESSION = 3  # unknown, closed or expired session: start a new read on the page
EXIT_READER = 4  # no pcscd, no reader, or no passport on it: fix it, run the same command
EXIT_NETWORK = 5  # the server could not be reached, even after retries
EXIT_CODES = {
    EXIT_OK: "read done",
    EXIT_READ_FAILED: "the read failed (the server says why)",
    EXIT_USAGE: "bad usage",
    EXIT_SESSION: "the session is over: start a new read on the page",
    EXIT_READER: "reader or passport missing: fix it and run the same command again",
    EXIT_NETWORK: "the server could not be reached",
}

#: Wait before each new attempt at a request that failed on the network or with a 5xx/429
#: (the Android helper's ``RelayClient`` policy: five attempts in all).
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)
#: Seconds for one exchange to be answered (a batch can hold a 20 KB photo's reads).
HTTP_TIMEOUT = 15.0
MAX_ROUNDS = 200  # a full read is under ten; a runaway session must not loop forever
USER_AGENT = "dialvie-desk-helper/1"


class ForwardError(Exception):
    """The forwarding stopped; ``exit_code`` and a message for the adviser."""

    def __init__(self, exit_code: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.code = code


def exchange_url(session_url: str) -> str:
    """The ``exchange`` endpoint of a session URL (``…/nfc/sessions/<token>``)."""
    parts = urlsplit(session_url.strip())
    path = parts.path.rstrip("/")
    if path.endswith("/exchange"):
        path = path[: -len("/exchange")]
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ForwardError(EXIT_USAGE, f"not an http(s) URL: {session_url!r}")
    segments = path.split("/")
    if len(segments) < 3 or segments[-2] != "sessions" or "." not in segments[-1]:
        raise ForwardError(
            EXIT_USAGE, "not a session URL: expected https://<host>/nfc/sessions/<token>"
        )
    return f"{parts.scheme}://{parts.netloc}{path}/exchange"


@dataclass
class HttpPoster:
    """POST JSON to one URL, with the relay helper's retry policy."""

    url: str
    timeout: float = HTTP_TIMEOUT
    delays: tuple[float, ...] = RETRY_DELAYS
    sleep: Callable[[float], None] = time.sleep

    def __call__(self, body: dict) -> dict:
        data = json.dumps(body).encode()
        last = ""
        for delay in (*self.delays, None):
            request = urllib.request.Request(
                self.url,
                data=data,
                method="POST",
                headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as exc:
                if exc.code < 500 and exc.code != 429:
                    raise _final_http_error(exc) from None
                last = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError, ValueError) as exc:
                # ValueError: a reply that is not JSON (a proxy's error page): retry too.
                last = str(getattr(exc, "reason", exc))
            if delay is not None:
                self.sleep(delay)
        raise ForwardError(EXIT_NETWORK, f"the server does not answer ({last})", "network")


def _final_http_error(exc: urllib.error.HTTPError) -> ForwardError:
    """A 4xx answer: the session is unknown, over or abused; say what the server says."""
    try:
        error = json.loads(exc.read()).get("error") or {}
    except (ValueError, AttributeError, OSError):
        error = {}
    code = error.get("code") or f"http_{exc.code}"
    text = error.get("message_fr") or error.get("message") or f"HTTP {exc.code}"
    return ForwardError(EXIT_SESSION, f"{text} ({code})", code)


def forward(
    post: Callable[[dict], dict],
    transmit_batch: Callable[[list[bytes]], list[bytes]],
    *,
    max_apdu: int | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> dict:
    """Carry batches between the server (``post``) and the chip until the read ends.

    Returns the last reply (``done`` true, ``error`` None); raises
    :class:`ForwardError` when the server ends the read with an error.
    """
    body: dict[str, Any] = {"seq": 0, "responses": []}
    if max_apdu is not None:
        body["max_apdu"] = max_apdu
    for _ in range(MAX_ROUNDS):
        reply = post(body)
        if on_progress is not None:
            on_progress(float(reply.get("progress") or 0.0))
        if reply.get("done"):
            error = reply.get("error")
            if error:
                code = error.get("code", "read_failed")
                text = error.get("message_fr") or error.get("message") or code
                raise ForwardError(EXIT_READ_FAILED, f"{text} ({code})", code)
            return reply
        commands = [bytes.fromhex(c) for c in reply.get("commands") or []]
        # A short list tells the server the passport left the reader mid-batch.
        responses = transmit_batch(commands)
        body = {"seq": reply["seq"], "responses": [r.hex() for r in responses]}
    raise ForwardError(EXIT_READ_FAILED, "the server never ended the read", "relay_error")


def open_reader(reader_name: str | None, wait: float, say: Callable[[str], None]):
    """A connected ``PcscTransport``, waiting up to ``wait`` s for the reader and the passport."""
    from .transports.pcsc import NoChip, PcscTransport, PcscUnavailable, ReaderNotFound

    transport = PcscTransport(reader_name)
    deadline = time.monotonic() + wait
    told: set[str] = set()
    while True:
        try:
            return transport.connect(timeout=min(1.0, max(0.0, deadline - time.monotonic())))
        except (PcscUnavailable, ReaderNotFound, NoChip) as exc:
            if exc.code not in told:
                told.add(exc.code)
                say(READER_HINTS[exc.code])
            if time.monotonic() >= deadline:
                hint = f"{READER_HINTS[exc.code]} ({exc})"
                raise ForwardError(EXIT_READER, hint, exc.code) from None
            time.sleep(0.5)


#: What the adviser reads when the desk side is not ready (the server never sees these).
READER_HINTS = {
    "pcsc_unavailable": "Le service PC/SC (pcscd) ne répond pas sur ce poste.",
    "reader_not_found": "Aucun lecteur de carte sans contact n'est branché sur ce poste.",
    "no_chip": "Posez la page photo du passeport ouvert sur le lecteur.",
}


def run(args) -> int:
    """``forward``: relay one session to the desk reader; returns the exit code."""

    def say(text: str) -> None:
        print(text, flush=True)

    try:
        url = exchange_url(args.session_url)
    except ForwardError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    say(f"Serveur : {urlsplit(url).scheme}://{urlsplit(url).netloc}")
    transport = None
    try:
        transport = open_reader(args.reader_name, args.wait, say)
        say(f"Lecteur : {transport.reader_name}")
        shown = [-1]

        def progress(value: float) -> None:
            percent = int(value * 100)
            if percent // 10 != shown[0] // 10 or percent == 100:
                shown[0] = percent
                say(f"Lecture : {percent} %")

        forward(
            HttpPoster(url, timeout=args.timeout),
            transport.transmit_batch,
            max_apdu=args.max_apdu,
            on_progress=progress,
        )
    except ForwardError as exc:
        print(f"Échec : {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
    except NfcError as exc:  # the transport raised outside a batch
        print(f"Échec : {exc.code} ({exc})", file=sys.stderr, flush=True)
        return EXIT_READER
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return EXIT_READ_FAILED
    finally:
        if transport is not None:
            transport.close()
    say("Lecture terminée : revenez à la page du dossier.")
    return EXIT_OK


def add_parser(sub) -> None:
    """Register the ``forward`` sub-command on an argparse sub-parsers object."""
    f = sub.add_parser(
        "forward",
        help="relay a server's chip-read session to this PC's desk reader",
        description=__doc__.split("\n\n")[0],
        epilog="exit status: "
        + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items()),
    )
    f.add_argument("session_url", help="the session link shown on the staff page")
    f.add_argument("--reader-name", help="PC/SC reader name substring (default: the first)")
    f.add_argument(
        "--wait",
        type=float,
        default=60.0,
        help="seconds to wait for the reader and the passport (default 60)",
    )
    f.add_argument(
        "--max-apdu",
        type=int,
        help="longest response APDU the reader carries (e.g. 261 for short APDUs only)",
    )
    f.add_argument("--timeout", type=float, default=HTTP_TIMEOUT, help="HTTP timeout, seconds")
    f.set_defaults(func=run)
