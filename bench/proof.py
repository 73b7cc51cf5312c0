"""Benchmark: one proof-of-life attempt through the web service layer, in-process.

For a 15-frame 640x480 burst of a real face (``skimage.data.astronaut``), times
the edge checks + encryption + nonce burn (``accept_upload``), the face job
(``decide_attempt``: decrypt, liveness, match, idempotent write) and the purge,
on a throwaway SQLite database. Prints medians over the runs.

    .venv/bin/python bench/proof.py [--runs 15]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

# The repository, not bench/, first: bench/mrz.py must not shadow the `mrz` package.
sys.path[0] = str(Path(__file__).resolve().parents[1])


def _burst(count: int = 15) -> list[bytes]:
    import skimage.data
    from PIL import Image, ImageEnhance

    face = Image.fromarray(skimage.data.astronaut()).resize((480, 480))
    frames = []
    for i in range(count):
        canvas = Image.new("RGB", (640, 480), (120, 120, 120))
        canvas.paste(face, (80 + (i % 5) * 3 - 6, 0))
        canvas = ImageEnhance.Brightness(canvas).enhance(0.95 + 0.01 * i)
        buffer = io.BytesIO()
        canvas.save(buffer, "JPEG", quality=85)
        frames.append(buffer.getvalue())
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    from sqlmodel import select

    from webapp import create_app
    from webapp.db import get_session
    from webapp.models import Pensioner, utcnow
    from webapp.services import demo, proof_of_life, proof_store

    db_file = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{db_file}",
            "SECRET_KEY": "bench",
            "PROOF_DAILY_ATTEMPTS": 10_000,
            "PROOF_LIVENESS_REQUIRED": False,  # a still-ish burst: time the whole path
        }
    )
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    frames = _burst()
    upload, decide, purge, decisions = [], [], [], []
    with app.app_context():
        session = get_session()
        demo.seed(session)
        pensioner = session.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
        started = time.perf_counter()
        proof_store.set_reference(session, pensioner, proof_store.astronaut_jpeg(), "demo")
        enrol = time.perf_counter() - started
        files = [("image/jpeg", f) for f in frames]
        for _ in range(args.runs + 1):  # the first run warms the models up
            challenge = proof_of_life.issue_challenge(session, pensioner)
            t0 = time.perf_counter()
            attempt = proof_of_life.accept_upload(session, pensioner, challenge.nonce, files)
            t1 = time.perf_counter()
            result = proof_of_life.decide_attempt(session, attempt.id)
            t2 = time.perf_counter()
            proof_of_life.decide_attempt(session, attempt.id)  # a re-delivered job: no-op
            upload.append(t1 - t0)
            decide.append(t2 - t1)
            decisions.append(result["decision"])
        later = utcnow() + timedelta(days=app.config["PROOF_DISPUTE_DAYS"] + 1)
        t0 = time.perf_counter()
        purged = proof_store.purge_frames(session, now=later)
        purge.append(time.perf_counter() - t0)

    rows = [
        ("reference enrolment (cold: loads the models)", enrol, 1),
        ("upload: checks, encrypt 15 frames, burn nonce", statistics.median(upload[1:]), args.runs),
        ("face job: decrypt, 15-frame burst, write", statistics.median(decide[1:]), args.runs),
        (f"purge frames of {purged} attempts", purge[0], 1),
    ]
    size = sum(len(f) for f in frames)
    print(
        f"burst: {len(frames)} frames 640x480, {size / 1024:.0f} KiB; decisions: "
        f"{ {d: decisions.count(d) for d in set(decisions)} }"
    )
    print(f"{'step':<50} {'median ms':>10} {'runs':>5}")
    for name, seconds, runs in rows:
        print(f"{name:<50} {seconds * 1000:>10.1f} {runs:>5}")
    ratio = statistics.median(decide[1:]) / statistics.median(upload[1:])
    print(f"face job / upload: {ratio:.0f}x")


if __name__ == "__main__":
    main()
