"""A scripted stand-in for the Android helper: reads the demo passport through a running server.

    python scripts/nfc_demo_helper.py http://127.0.0.1:5000

The server must run in demo mode (``make run`` does): it opens a relay session for
the simulated demo passport (POST /nfc/demo/sessions), then this script plays the
helper's part over HTTP (nfc_bridge/PROTOCOL.md) with the simulated chip, exactly as
the phone would with a real one, and prints the round trips and the outcome.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from urllib.parse import urlsplit

from nfc_bridge.sim import demo_passport


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def run(base_url: str, out=sys.stdout) -> dict:
    """Start a demo session and relay every batch; returns the last reply plus statistics."""
    base = base_url.rstrip("/")
    status, started = _post(f"{base}/nfc/demo/sessions", {})
    if status != 201:
        raise SystemExit(f"could not start a demo session (HTTP {status}): is DEMO=1 set?")
    token = urlsplit(started["session_url"]).path.rsplit("/", 1)[-1]
    chip, _mrz, _trust = demo_passport()
    exchange = f"{base}/nfc/sessions/{token}/exchange"
    began = time.perf_counter()
    status, reply = _post(exchange, {"seq": 0, "responses": [], "max_apdu": 65546})
    trips = 1
    while status == 200 and not reply["done"]:
        answers = [chip.transmit(bytes.fromhex(c)).hex() for c in reply["commands"]]
        status, reply = _post(exchange, {"seq": reply["seq"], "responses": answers})
        trips += 1
        print(f"round trip {trips}: progress {reply.get('progress', 0):.0%}", file=out)
    elapsed = time.perf_counter() - began
    outcome = "read" if status == 200 and reply.get("error") is None else "failed"
    print(
        f"{outcome} in {trips} round trips, {elapsed:.2f} s; error: {reply.get('error')}", file=out
    )
    return {
        "status": status,
        "reply": reply,
        "round_trips": trips,
        "seconds": elapsed,
        "token": token,
    }


if __name__ == "__main__":
    result = run(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000")
    sys.exit(0 if result["status"] == 200 and result["reply"].get("error") is None else 1)
