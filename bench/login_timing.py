"""Do wrong logins take the same time for a known and an unknown DP number?

Production Argon2 parameters (DV_FAST_HASHING unset), the embedded SQLite
default with the demo data; each attempt from its own address so none is
throttled. Prints the median and p90 wall time per case, in milliseconds.

    .venv/bin/python bench/login_timing.py [ROUNDS]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.pop("DV_FAST_HASHING", None)
sys.path[0] = str(Path(__file__).resolve().parents[1])


def main(rounds: int = 40) -> None:
    from webapp import create_app

    folder = tempfile.mkdtemp(prefix="dv-bench-login-")
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "SECRET_KEY": "bench",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "REDIS_URL": "",
        }
    )
    runner = app.test_cli_runner()
    runner.invoke(args=["db", "upgrade"])
    runner.invoke(args=["demo", "seed"])
    client = app.test_client()
    cases = {
        "known DP, wrong password": "DP100001",
        "unknown DP": "DP999999",
        "not enrolled DP (demo)": "DP100010",
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for i in range(rounds):
        for name, dp in cases.items():  # interleaved, so load affects all alike
            start = time.perf_counter()
            response = client.post(
                "/auth/login",
                data={"dp_number": dp, "password": "wrong-1"},
                environ_base={"REMOTE_ADDR": f"10.1.{i // 250}.{i % 250 + 1}"},
            )
            times[name].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 422
    print(f"{'case':28} {'median ms':>10} {'p90 ms':>8}  (n={rounds})")
    for name, values in times.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:28} {statistics.median(values):10.1f} {p90:8.1f}")
    app.extensions["db_engine"].dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
