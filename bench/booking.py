"""Benchmark: the last place of a slot under a crowd, and listing a busy agency's month.

On a throwaway PostgreSQL database (127.0.0.1:5432 or ``TEST_PG_URL``, migrated
with Alembic):

1. ``--crowd`` pensioners (50) each on their own connection wait at a barrier,
   then all book the same slot, which has exactly one place left; repeated for
   ``--rounds`` slots. Exactly one must win each round; the others get
   « complet » (``SlotFull``). Prints winners, « complet », the median and p95
   time of one booking call.
2. An agency with 5,000 existing appointments: the median and p95 time of
   listing a month of free slots (``booking.month_slots``; aim under 50 ms).

    .venv/bin/python bench/booking.py [--crowd 50] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

# The repository, in place of bench/ itself (bench/mrz.py would shadow the mrz package).
sys.path[0] = str(Path(__file__).resolve().parents[1])


def _database() -> tuple[str, str, str]:
    import psycopg

    from tests.services import postgres_server_url

    server = postgres_server_url()
    name = f"dv_bench_booking_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server, name, server.rsplit("/", 1)[0] + "/" + name


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--crowd", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--existing", type=int, default=5000)
    parser.add_argument("--listings", type=int, default=50)
    args = parser.parse_args()

    import psycopg
    from sqlalchemy import text
    from sqlmodel import Session, create_engine

    from webapp import create_app
    from webapp.models import Agency
    from webapp.services import booking
    from webapp.services.booking import AGENCY_TZ

    server, name, url = _database()
    try:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        app.extensions["db_engine"].dispose()
        # One connection per pensioner of the crowd.
        engine = create_engine(
            url.replace("postgresql://", "postgresql+psycopg://"), pool_size=args.crowd + 5
        )
        now = datetime.now(UTC)

        with Session(engine, expire_on_commit=False) as db:
            crowd_agency = Agency(code="CRW", name="Crowd", city="Casablanca", slot_capacity=3)
            busy = Agency(code="BSY", name="Busy", city="Rabat", slot_capacity=4, min_lead_hours=0)
            db.add_all([crowd_agency, busy])
            db.commit()
            for agency in (crowd_agency, busy):
                booking.set_hours(db, agency.id, booking.DEFAULT_HOURS)
            booking.seed_public_holidays(db, [now.year, now.year + 1])
            total = args.crowd + 2 * args.rounds + args.existing
            db.execute(
                text(
                    "INSERT INTO pensioner (dp_number, last_name, first_name, birth_date, "
                    "nationality, language, country, account_status, payment_status, "
                    "must_change_password, auth_epoch, created_at, updated_at) "
                    "SELECT 'DP' || lpad(g::text, 7, '0'), 'BENCH', 'P' || g, DATE '1950-01-01', "
                    "'MAR', 'fr', 'MAR', 'not_enrolled', 'active', false, 0, now(), now() "
                    "FROM generate_series(1, :n) g"
                ),
                {"n": total},
            )
            db.commit()
            ids = [r[0] for r in db.execute(text("SELECT id FROM pensioner ORDER BY id"))]
        fillers, crowd, existing = (
            ids[: 2 * args.rounds],
            ids[2 * args.rounds : 2 * args.rounds + args.crowd],
            ids[2 * args.rounds + args.crowd :],
        )

        # The crowd's slots: the first open slots at least two days ahead, two places
        # taken beforehand so that one is left.
        with Session(engine, expire_on_commit=False) as db:
            agency = db.get(Agency, crowd_agency.id)
            slots: list[datetime] = []
            month = (now + timedelta(days=2)).astimezone(AGENCY_TZ)
            year, mon = month.year, month.month
            while len(slots) < args.rounds:
                listing = booking.month_slots(db, agency, year, mon, now=now)
                slots += [s.starts_at for day in sorted(listing.days) for s in listing.days[day]]
                year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
            slots = slots[: args.rounds]
            for i, when in enumerate(slots):
                for pid in fillers[2 * i : 2 * i + 2]:
                    booking.book(db, agency_id=agency.id, pensioner_id=pid, starts_at=when)

        rows = []
        timings: list[float] = []
        for round_no, when in enumerate(slots, 1):
            barrier = threading.Barrier(args.crowd)
            outcomes: list[str] = []
            lock = threading.Lock()

            def attempt(
                pid: int, when: datetime = when, barrier=barrier, outcomes=outcomes, lock=lock
            ) -> None:
                with Session(engine, expire_on_commit=False) as session:
                    session.execute(text("SELECT 1"))  # the connection is open before the race
                    session.commit()
                    barrier.wait()
                    start = time.perf_counter()
                    try:
                        booking.book(
                            session, agency_id=crowd_agency.id, pensioner_id=pid, starts_at=when
                        )
                        outcome = "booked"
                    except booking.SlotFull as exc:
                        outcome = "complet" if "complet" in str(exc) else "other"
                    elapsed = time.perf_counter() - start
                    with lock:
                        outcomes.append(outcome)
                        timings.append(elapsed)

            threads = [threading.Thread(target=attempt, args=(pid,)) for pid in crowd]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            # The winner leaves again so the same crowd can race for the next slot.
            with Session(engine) as db:
                db.execute(
                    text(
                        "UPDATE appointment SET status = 'cancelled' WHERE pensioner_id = ANY(:p)"
                    ),
                    {"p": crowd},
                )
                taken = db.execute(
                    text("SELECT taken, capacity FROM appointment_slot WHERE starts_at = :w"),
                    {"w": when},
                ).one()
                db.commit()
            rows.append(
                (
                    round_no,
                    when.astimezone(AGENCY_TZ).strftime("%Y-%m-%d %H:%M"),
                    outcomes.count("booked"),
                    outcomes.count("complet"),
                    len(outcomes) - outcomes.count("booked") - outcomes.count("complet"),
                    f"{taken[0]}/{taken[1]}",
                )
            )

        # The same call without a crowd: one pensioner after another, book then cancel.
        solo: list[float] = []
        with Session(engine, expire_on_commit=False) as db:
            when = slots[-1] + timedelta(days=1)
            listing = booking.month_slots(
                db, db.get(Agency, crowd_agency.id), when.year, when.month, now=when
            )
            free = [s.starts_at for d in sorted(listing.days) for s in listing.days[d]][:20]
            for pid, when in zip(crowd, free, strict=False):
                start = time.perf_counter()
                appt = booking.book(
                    db, agency_id=crowd_agency.id, pensioner_id=pid, starts_at=when, now=now
                )
                solo.append(time.perf_counter() - start)
                booking.cancel(db, appt.id)

        # A busy agency: ``existing`` appointments over the coming months, 4 places a slot.
        with Session(engine, expire_on_commit=False) as db:
            agency = db.get(Agency, busy.id)
            year, mon = now.year, now.month
            placed = 0
            first_month = None
            while placed < len(existing):
                listing = booking.month_slots(db, agency, year, mon, now=now)
                for day in sorted(listing.days):
                    for slot in listing.days[day]:
                        take = min(slot.free, len(existing) - placed)
                        if take <= 0:
                            continue
                        first_month = first_month or (year, mon)
                        cur = db.execute(
                            text(
                                "INSERT INTO appointment_slot (agency_id, starts_at, capacity, "
                                "taken) VALUES (:a, :s, :c, :t) RETURNING id"
                            ),
                            {"a": agency.id, "s": slot.starts_at, "c": slot.capacity, "t": take},
                        )
                        slot_id = cur.scalar()
                        db.execute(
                            text(
                                "INSERT INTO appointment (agency_id, slot_id, pensioner_id, "
                                "starts_at, purpose, status, created_at, updated_at) "
                                "SELECT :a, :sl, p, :s, 'enrolment', 'booked', now(), now() "
                                "FROM unnest(CAST(:ps AS integer[])) p"
                            ),
                            {
                                "a": agency.id,
                                "sl": slot_id,
                                "s": slot.starts_at,
                                "ps": existing[placed : placed + take],
                            },
                        )
                        placed += take
                year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
            db.commit()
            db.execute(text("ANALYZE"))
            count = db.execute(
                text("SELECT count(*) FROM appointment WHERE agency_id = :a"), {"a": agency.id}
            ).scalar()
            # List the busiest month (the second one: fully booked, every day).
            target = (
                (first_month[0], first_month[1] + 1)
                if first_month[1] < 12
                else (
                    first_month[0] + 1,
                    1,
                )
            )
            listing_ms = []
            for _ in range(args.listings):
                start = time.perf_counter()
                listing = booking.month_slots(db, agency, *target, now=now)
                listing_ms.append((time.perf_counter() - start) * 1000)
            slot_count = sum(len(v) for v in listing.days.values())
            full = sum(1 for v in listing.days.values() for s in v if s.free == 0)
        engine.dispose()
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print(f"\nLast place of a slot: {args.crowd} concurrent bookings (own connections, barrier)")
    head = ("round", "slot (Casablanca)", "booked", "complet", "other")
    print(f"{head[0]:>5}  {head[1]:<17}  {head[2]:>6}  {head[3]:>7}  {head[4]:>5}  taken")
    for r in rows:
        print(f"{r[0]:>5}  {r[1]:<17}  {r[2]:>6}  {r[3]:>7}  {r[4]:>5}  {r[5]}")
    ms = [t * 1000 for t in timings]
    print(
        f"\n{'booking call, 50 at once':<32} median {statistics.median(ms):7.1f} ms   "
        f"p95 {_pct(ms, 0.95):7.1f} ms   ({len(ms)} calls, 2 shared cores)"
    )
    alone = [t * 1000 for t in solo]
    print(
        f"{'booking call, alone':<32} median {statistics.median(alone):7.1f} ms   "
        f"p95 {_pct(alone, 0.95):7.1f} ms   ({len(alone)} calls)"
    )
    print(
        f"{'month listing, ' + str(count) + ' appts':<32} median "
        f"{statistics.median(listing_ms):7.1f} ms   p95 {_pct(listing_ms, 0.95):7.1f} ms"
        f"   ({slot_count} slots, {full} full, {target[0]}-{target[1]:02d}; aim < 50 ms)"
    )
    ok = all(r[2] == 1 and r[4] == 0 for r in rows)
    print("\nexactly one winner every round:", "yes" if ok else "NO")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    os.environ.setdefault("DV_FAST_HASHING", "1")
    main()
