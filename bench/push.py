"""Benchmark: web push throughput, and the daily sweep over a fund-sized registry.

1. ``--messages`` (10,000) notifications through ``push.deliver`` (pywebpush:
   aes128gcm encryption and a signed VAPID JWT per message) to a local push
   service on loopback that checks each JWT and decrypts each body (it runs in
   its own process, as a real push service would). Sent by ``--threads``
   senders, each reusing one HTTP connection. Aim: at least 300 per second.
2. On a throwaway PostgreSQL database with ``--pensioners`` (200,000) active
   accounts in five countries: the D-3 reminder sweep (deciding who gets what:
   the in-app alert and one message each, quiet hours computed) and, the day after
   the deadline, the suspension step. The messages are only enqueued (to a
   Redis queue that is dropped afterwards), not sent. Aim: each under 60 s.

    .venv/bin/python bench/push.py [--messages 10000] [--threads 16] [--pensioners 200000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

# The repository instead of bench/ first on the path: bench/mrz.py must not shadow
# the `mrz` package the app imports.
sys.path[0] = str(Path(__file__).resolve().parents[1])


def _serve(ready, devices_out, count: int) -> None:
    """The push service process: make ``count`` device subscriptions, then serve."""
    from tests.push.push_service import PushService

    service = PushService()
    service.__enter__()
    devices_out.put([service.device().subscription() for _ in range(count)])
    ready.set()
    while True:
        time.sleep(3600)


def bench_push(messages: int, threads: int) -> dict:
    """Send ``messages`` notifications; return throughput and latency."""
    import requests

    from webapp import create_app
    from webapp.models import PushSubscription
    from webapp.services import push

    ctx = multiprocessing.get_context("spawn")
    ready, queue = ctx.Event(), ctx.Queue()
    devices = 200
    server = ctx.Process(target=_serve, args=(ready, queue, devices), daemon=True)
    server.start()
    subs_json = queue.get(timeout=60)
    ready.wait(60)
    private, public = push.generate_keys()
    app = create_app(
        {
            "DATABASE_URL": "sqlite://",
            "SECRET_KEY": "bench",
            "VAPID_PRIVATE_KEY": private,
            "VAPID_PUBLIC_KEY": public,
            "PUSH_ALLOW_HTTP": True,
        }
    )
    subs = [
        PushSubscription(id=i, pensioner_id=1, **push.validate(s, allow_http=True))
        for i, s in enumerate(subs_json)
    ]
    message = push.Message(title="Rappel", body="Attestez de votre vie", topic="bench")
    latencies: list[float] = []
    lock = threading.Lock()
    per_thread = messages // threads

    def sender(k: int) -> None:
        http = requests.Session()
        mine = []
        with app.app_context():
            for i in range(per_thread):
                start = time.perf_counter()
                outcome = push.deliver(subs[(k * per_thread + i) % devices], message, http)
                assert outcome is push.Outcome.SENT
                mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=sender, args=(k,)) for k in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    server.terminate()
    latencies.sort()
    return {
        "sent": len(latencies),
        "seconds": elapsed,
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
    }


def bench_sweep(pensioners: int) -> dict:
    """Create the registry on PostgreSQL; time the D-3 sweep and the suspension step."""
    import psycopg
    from redis import Redis
    from rq import Queue
    from sqlalchemy import insert

    from tests.services import postgres_server_url, redis_url
    from webapp import create_app
    from webapp.db import get_session
    from webapp.models import Pensioner
    from webapp.services import campaigns, reminders

    server = postgres_server_url()
    name = f"dv_bench_push_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server.rsplit("/", 1)[0] + "/" + name
    queue = f"bench-push-{uuid.uuid4().hex[:6]}"
    result: dict = {}
    try:
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "REDIS_URL": redis_url(),
                "RQ_QUEUE": queue,
                "SCHEDULER": "off",
            }
        )
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        countries = ("MAR", "MAR", "FRA", "BEL", "CAN")
        rows = [
            {
                "dp_number": f"DP{i:07d}",
                "last_name": "BENCH",
                "first_name": f"P{i}",
                "birth_date": date(1945, 1, 1),
                "nationality": "MAR",
                "country": countries[i % len(countries)],
                "language": ("fr", "ar", "en")[i % 3],
                "gsm": f"+2126{i:08d}",
                "email": f"p{i}@example.org",
                "account_status": "active",
                "payment_status": "active",
                "must_change_password": False,
                "auth_epoch": 0,
                "failed_logins": 0,
                "created_at": datetime.now(UTC),
                "updated_at": datetime.now(UTC),
            }
            for i in range(pensioners)
        ]
        with app.app_context():
            session = get_session()
            start = time.perf_counter()
            for chunk in range(0, len(rows), 20000):
                session.execute(insert(Pensioner), rows[chunk : chunk + 20000])
            session.commit()
            result["insert_s"] = time.perf_counter() - start
            campaign = campaigns.campaign_for(session, date(2026, 4, 17))
            now = datetime(2026, 4, 17, 10, tzinfo=UTC)
            start = time.perf_counter()
            result["alerts"] = reminders.sweep(session, campaign, date(2026, 4, 17), now)
            result["sweep_s"] = time.perf_counter() - start
            start = time.perf_counter()
            result["suspended"] = len(campaigns.suspend_late(session, date(2026, 4, 21)))
            result["suspend_s"] = time.perf_counter() - start
            start = time.perf_counter()
            again = reminders.sweep(session, campaign, date(2026, 4, 17), now)
            result["rerun_s"] = time.perf_counter() - start
            result["rerun_alerts"] = again
        app.extensions["db_engine"].dispose()
    finally:
        Queue(queue, connection=Redis.from_url(redis_url())).delete(delete_jobs=True)
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--pensioners", type=int, default=200_000)
    args = parser.parse_args()

    pushed = bench_push(args.messages, args.threads)
    swept = bench_sweep(args.pensioners)
    table = [
        ("push: messages sent", f"{pushed['sent']}", ""),
        (
            f"push: messages per second ({args.threads} senders)",
            f"{pushed['per_second']:.0f}",
            ">= 300",
        ),
        ("push: latency p50 / p95", f"{pushed['p50_ms']:.1f} / {pushed['p95_ms']:.1f} ms", ""),
        (f"registry: {args.pensioners} pensioners inserted", f"{swept['insert_s']:.1f} s", ""),
        (
            "D-3 sweep: alerts + one message each decided",
            f"{swept['alerts']} in {swept['sweep_s']:.1f} s",
            "< 60 s",
        ),
        (
            "suspension step: payments suspended, notices queued",
            f"{swept['suspended']} in {swept['suspend_s']:.1f} s",
            "< 60 s",
        ),
        (
            "D-3 sweep rerun: new alerts (nothing twice)",
            f"{swept['rerun_alerts']} in {swept['rerun_s']:.1f} s",
            "0",
        ),
    ]
    print("\n| measure | value | aim |\n|---|---|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
