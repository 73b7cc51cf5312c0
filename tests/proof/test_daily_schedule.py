"""The daily cycle runs by itself, once per local day, whatever the number of processes."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from webapp.models import DailyRun, Pensioner


def test_the_cycle_waits_for_the_daily_hour_in_casablanca(app, ctx_db):
    from webapp.services import daily

    app.config["PROOF_DAILY_AT"] = "06:00"
    # 04:59 UTC is 05:59 in Casablanca (UTC+1): not yet; 05:00 UTC is 06:00: due.
    assert daily.due_day(datetime(2026, 4, 21, 4, 59, tzinfo=UTC)) is None
    assert daily.due_day(datetime(2026, 4, 21, 5, 0, tzinfo=UTC)) == date(2026, 4, 21)


def test_two_processes_waking_together_run_the_day_once(app, demo, pg_url):
    from webapp.services import daily

    engine = app.extensions["db_engine"]
    results: list[object] = []
    barrier = threading.Barrier(4)

    def wake() -> None:
        with app.app_context(), Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            results.append(daily.run_once(session, date(2026, 4, 21)))

    threads = [threading.Thread(target=wake) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ran = [r for r in results if r is not None]
    assert len(ran) == 1
    assert len(ran[0]["suspended"]) == 5  # nobody attested in this quarter
    with Session(engine) as session:
        [row] = session.exec(select(DailyRun)).all()
        assert row.finished_at is not None and row.result["suspended"] == 5


def test_a_run_killed_midway_is_taken_over_later(app, ctx_db):
    from webapp.services import daily

    start = datetime(2026, 4, 21, 6, 0, tzinfo=UTC)
    assert daily.claim(ctx_db, date(2026, 4, 21), start)  # then the process dies
    assert not daily.claim(ctx_db, date(2026, 4, 21), start + timedelta(minutes=10))
    assert daily.claim(ctx_db, date(2026, 4, 21), start + timedelta(minutes=61))


def test_tick_after_the_deadline_suspends_the_late_without_a_command(app, ctx_db, demo):
    from webapp.services import daily

    morning = datetime(2026, 4, 21, 7, 0, tzinfo=UTC)
    assert daily.tick(ctx_db, morning)["ran"] is True
    assert daily.tick(ctx_db, morning + timedelta(minutes=10))["ran"] is False
    statuses = dict(ctx_db.exec(select(Pensioner.dp_number, Pensioner.payment_status)).all())
    assert statuses["DP100002"] == "suspended"


def test_embedded_default_schedules_the_cycle_in_the_web_process(tmp_path):
    """`make run`: no Redis, no command typed; the first page view starts the scheduler."""
    from webapp import create_app, scheduler
    from webapp.db import get_session
    from webapp.services import campaigns

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "SECRET_KEY": "x",
            "SCHEDULER": "thread",
            "SCHEDULER_TICK_SECONDS": 1,
            "PROOF_DAILY_AT": "00:00",
        }
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    try:
        app.test_client().get("/")
        row = None
        for _ in range(150):
            with app.app_context():
                row = get_session().exec(select(DailyRun)).first()
                if row is not None and row.finished_at is not None:
                    break
            time.sleep(0.2)
        assert row is not None and row.finished_at is not None
        with app.app_context():
            assert row.day == campaigns.local_today()
    finally:
        scheduler.stop(app)
