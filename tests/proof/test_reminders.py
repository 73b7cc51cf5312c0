"""Reminders that arrive by themselves: a quarter day by day, several time zones, exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from webapp.models import Notification, OutboxMessage, Pensioner

#: Residence country → the zone the pensioner's phone is in.
COUNTRIES = {
    "MAR": "Africa/Casablanca",
    "FRA": "Europe/Paris",
    "CAN": "America/Toronto",
    "ARE": "Asia/Dubai",
    "JPN": "Asia/Tokyo",
}
#: The scheduler's ticks in the simulation (UTC hours; production ticks every 10 minutes).
TICK_HOURS = (0, 3, 6, 9, 12, 15, 18, 21)


class Clock:
    """The simulation's time, seen by every module that reads ``utcnow``."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """A controlled clock for the daily cycle, the reminders and the senders."""
    clock = Clock(datetime(2026, 3, 31, tzinfo=UTC))
    import webapp.services.campaigns
    import webapp.services.daily
    import webapp.services.notify
    import webapp.services.reminders

    for module in (
        webapp.services.campaigns,
        webapp.services.daily,
        webapp.services.notify,
        webapp.services.reminders,
    ):
        monkeypatch.setattr(module, "utcnow", clock)
    return clock


def _pensioners(session: Session, count: int, countries=tuple(COUNTRIES)) -> list[Pensioner]:
    people = []
    for i in range(count):
        country = countries[i % len(countries)]
        people.append(
            Pensioner(
                dp_number=f"DP7{i:05d}",
                last_name="TEST",
                first_name=f"P{i}",
                birth_date=date(1945, 1, 1),
                nationality="MAR",
                country=country,
                language=("fr", "ar", "en")[i % 3],
                gsm=f"+2126{i:08d}",
                email=f"p{i}@example.org",
                account_status="active",
            )
        )
    session.add_all(people)
    session.commit()
    return people


def test_a_quarter_day_by_day_reminds_each_pensioner_once_inside_allowed_hours(app, ctx_db, clock):
    from webapp.services import campaigns, daily

    app.config["QUIET_HOURS"] = "21:00-09:00"
    people = _pensioners(ctx_db, 200)
    # Some attest on time (after the D-10 reminder), one after being suspended.
    on_time = {p.id for p in people[::4]}
    late_attester = people[1]
    day = date(2026, 4, 1)
    while day <= date(2026, 4, 30):
        for hour in TICK_HOURS:
            clock.now = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            daily.tick(ctx_db, clock.now)
        if day == date(2026, 4, 12):
            campaign = campaigns.campaign_for(ctx_db, day)
            for p in people:
                if p.id in on_time:
                    campaigns.attest(ctx_db, p, campaign, attempt_id=None, method="agency")
            ctx_db.commit()
        if day == date(2026, 4, 25):
            campaign = campaigns.campaign_for(ctx_db, day)
            campaigns.attest(ctx_db, late_attester, campaign, attempt_id=None, method="agency")
            ctx_db.commit()
        day += timedelta(days=1)

    rows = ctx_db.exec(select(Notification)).all()
    by_person: dict[int, Counter] = {}
    for row in rows:
        by_person.setdefault(row.pensioner_id, Counter())[(row.kind, row.channel)] += 1
    # Exactly once per kind and channel, whatever the number of ticks.
    assert all(n == 1 for counter in by_person.values() for n in counter.values())
    for p in people:
        kinds = {kind for kind, channel in by_person[p.id] if channel != "alert"}
        if p.id in on_time:
            assert kinds == {"pol_open", "pol_d10"}, p.country
        elif p is late_attester:
            assert kinds == {
                "pol_open",
                "pol_d10",
                "pol_d3",
                "pol_deadline",
                "pol_suspended",
                "pol_reinstated",
            }
        else:
            assert kinds == {"pol_open", "pol_d10", "pol_d3", "pol_deadline", "pol_suspended"}
        # Morocco by SMS, abroad by e-mail (nobody subscribed to push here).
        channels = {channel for _, channel in by_person[p.id]}
        assert channels == {"alert", "sms" if p.country == "MAR" else "email"}

    # Every message left inside the allowed hours of its reader's own time zone...
    sent = [r for r in rows if r.channel != "alert"]
    assert all(r.status == "sent" for r in sent)
    for row in sent:
        person = next(p for p in people if p.id == row.pensioner_id)
        local = row.sent_at.astimezone(ZoneInfo(COUNTRIES[person.country]))
        assert 9 <= local.hour < 21, (person.country, row.kind, local)
    # ... and on the day of its stage, not a day late (shifted by hours, not dropped).
    for row in sent:
        if row.kind == "pol_d3":
            person = next(p for p in people if p.id == row.pensioner_id)
            local = row.sent_at.astimezone(ZoneInfo(COUNTRIES[person.country]))
            assert local.date() in (date(2026, 4, 17), date(2026, 4, 18)), local

    # Suspensions happen the day after the deadline, for the late only.
    statuses = dict(ctx_db.exec(select(Pensioner.id, Pensioner.payment_status)).all())
    assert {pid for pid, s in statuses.items() if s == "suspended"} == {
        p.id for p in people if p.id not in on_time and p is not late_attester
    }
    suspended_at = {r.created_at.date() for r in rows if r.kind == "pol_suspended"}
    assert suspended_at == {date(2026, 4, 21)}


def test_reminder_text_is_the_guides_in_the_pensioners_language(app, ctx_db, clock):
    from webapp.services import campaigns, reminders

    people = _pensioners(ctx_db, 3, countries=("MAR",))  # fr, ar, en; by SMS
    clock.now = datetime(2026, 4, 17, 10, tzinfo=UTC)
    campaign = campaigns.campaign_for(ctx_db, date(2026, 4, 17))
    assert reminders.sweep(ctx_db, campaign, date(2026, 4, 17), clock.now) == 3
    bodies = {m.destination: m.body for m in ctx_db.exec(select(OutboxMessage)).all()}
    assert bodies[people[0].gsm].startswith(
        "Cher (e) Allocataire, Nous vous informons qu'il vous reste 3 jours pour attester de"
        " votre vie avant la suspension du paiement de votre pension."
    )
    assert "3" in bodies[people[1].gsm] and "معاش" in bodies[people[1].gsm]
    assert "3 days" in bodies[people[2].gsm]


def test_two_workers_sweeping_the_same_day_send_nothing_twice(app, pg_url, clock):
    from webapp.services import campaigns, reminders

    engine = app.extensions["db_engine"]
    with app.app_context(), Session(engine) as session:
        _pensioners(session, 60)
        campaign_id = campaigns.campaign_for(session, date(2026, 4, 10)).id
    clock.now = datetime(2026, 4, 10, 10, tzinfo=UTC)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context(), Session(engine, expire_on_commit=False) as session:
                from webapp.models import Campaign

                campaign = session.get(Campaign, campaign_id)
                barrier.wait()
                reminders.sweep(session, campaign, date(2026, 4, 10), clock.now)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(engine) as session:
        outbox = Counter(m.destination for m in session.exec(select(OutboxMessage)).all())
        assert set(outbox.values()) == {1}  # nobody got it twice
        rows = session.exec(select(Notification)).all()
        assert Counter(r.channel for r in rows) == {"alert": 60, "sms": 12, "email": 48}
        # 10:00 UTC is 06:00 in Toronto: those 12 wait for the end of the quiet hours.
        waiting = [r for r in rows if r.status == "queued"]
        assert len(outbox) == 60 - len(waiting) and len(waiting) == 12
        assert all(r.not_before is not None for r in waiting)


class _ProviderDown:
    """An SMS provider that answers nothing useful, every time."""

    def send(self, db, message) -> None:
        raise ConnectionError("SMS provider unreachable")


def test_an_sms_provider_down_for_good_falls_back_to_e_mail_once(app, ctx_db, clock):
    from webapp.services import campaigns, notify, reminders

    [person] = _pensioners(ctx_db, 1, countries=("MAR",))  # a resident: SMS first
    clock.now = datetime(2026, 4, 17, 10, tzinfo=UTC)
    campaign = campaigns.campaign_for(ctx_db, date(2026, 4, 17))
    notify.register_backend("sms", _ProviderDown())
    try:
        # Jobs run inline here: the only try is the last one, so the fall-back happens now
        # (the failed job is recorded, not raised to the sweep).
        reminders.sweep(ctx_db, campaign, date(2026, 4, 17), clock.now)
        reminders.sweep(ctx_db, campaign, date(2026, 4, 17), clock.now)  # a rerun: nothing more
    finally:
        notify.register_backend("sms", None)
    rows = {
        r.channel: r
        for r in ctx_db.exec(select(Notification).where(Notification.kind == "pol_d3")).all()
    }
    assert rows["sms"].status == "failed" and "unreachable" in rows["sms"].last_error
    assert rows["email"].status == "sent"
    [mail] = ctx_db.exec(select(OutboxMessage).where(OutboxMessage.channel == "email")).all()
    assert mail.destination == person.email and mail.body.startswith("Cher (e) Allocataire")
