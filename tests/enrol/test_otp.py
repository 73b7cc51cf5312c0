"""One-time codes: single use, expiry, tries, resend cool-down, daily limits, concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from webapp.models import OneTimeCode, utcnow
from webapp.services import otp


def _issue(db, pensioner, **kw):
    kw.setdefault("destination", pensioner.gsm)
    kw.setdefault("channel", "sms")
    kw.setdefault("ip", "203.0.113.7")
    return otp.issue(db, "enrol_contact", pensioner_id=pensioner.id, **kw)


def test_pensioner_types_the_code_received_and_it_works_once(ctx, db, pensioner):
    code = _issue(db, pensioner)
    assert len(code) == 6 and code.isdigit()
    row = db.exec(select(OneTimeCode)).one()
    assert code not in row.code_hash  # stored as a keyed hash only
    used = otp.verify(db, "enrol_contact", code, pensioner_id=pensioner.id)
    assert used.used_at is not None
    with pytest.raises(otp.CodeExpired):
        otp.verify(db, "enrol_contact", code, pensioner_id=pensioner.id)


def test_code_for_another_purpose_or_file_does_not_work(ctx, db, pensioner, other_pensioner):
    code = _issue(db, pensioner)
    with pytest.raises(otp.CodeExpired):
        otp.verify(db, "agency_login", code, pensioner_id=pensioner.id)
    with pytest.raises(otp.CodeExpired):
        otp.verify(db, "enrol_contact", code, pensioner_id=other_pensioner.id)


def test_code_typed_after_ten_minutes_has_expired(ctx, db, pensioner):
    start = utcnow()
    code = _issue(db, pensioner, now=start)
    with pytest.raises(otp.CodeExpired):
        otp.verify(
            db, "enrol_contact", code, pensioner_id=pensioner.id, now=start + timedelta(minutes=10)
        )
    # A minute earlier the same code was still good.
    used = otp.verify(
        db, "enrol_contact", code, pensioner_id=pensioner.id, now=start + timedelta(minutes=9)
    )
    assert used.used_at is not None


def test_wrong_code_tells_the_tries_left_then_a_new_code_is_needed(ctx, db, pensioner):
    code = _issue(db, pensioner)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(otp.CodeWrong) as info:
            otp.verify(db, "enrol_contact", wrong, pensioner_id=pensioner.id)
        assert info.value.tries_left == left
    with pytest.raises(otp.CodeExhausted):
        otp.verify(db, "enrol_contact", wrong, pensioner_id=pensioner.id)
    # Even the right code is refused now: a new one must be asked for.
    with pytest.raises(otp.CodeExhausted):
        otp.verify(db, "enrol_contact", code, pensioner_id=pensioner.id)


def test_resend_waits_for_the_cool_down_and_replaces_the_old_code(ctx, db, pensioner):
    start = utcnow()
    first = _issue(db, pensioner, now=start)
    with pytest.raises(otp.ResendTooSoon) as info:
        _issue(db, pensioner, now=start + timedelta(seconds=20))
    assert info.value.seconds == 40
    second = _issue(db, pensioner, now=start + timedelta(seconds=61))
    later = start + timedelta(seconds=62)
    if first != second:
        with pytest.raises((otp.CodeExpired, otp.CodeWrong)):
            otp.verify(db, "enrol_contact", first, pensioner_id=pensioner.id, now=later)
    assert otp.verify(db, "enrol_contact", second, pensioner_id=pensioner.id, now=later).used_at


def test_daily_limit_per_number_stops_sending(ctx, db, pensioner, other_pensioner):
    ctx.config["OTP_RESEND_SECONDS"] = 0
    for _ in range(ctx.config["OTP_DAILY_LIMIT_DESTINATION"]):
        _issue(db, pensioner, destination="+212600000001", ip=None)
    with pytest.raises(otp.CodeLimitReached):
        _issue(db, pensioner, destination="+212600000001", ip=None)
    # Nothing was written for the refused code; the number is blocked for anyone.
    assert len(db.exec(select(OneTimeCode)).all()) == ctx.config["OTP_DAILY_LIMIT_DESTINATION"]
    with pytest.raises(otp.CodeLimitReached):
        _issue(db, other_pensioner, destination="+212600000001", ip=None)
    # Tomorrow it works again.
    assert _issue(db, pensioner, destination="+212600000001", now=utcnow() + timedelta(days=1))


def test_daily_limit_per_pension_file_and_per_ip(ctx, db, pensioner, other_pensioner):
    ctx.config.update(OTP_RESEND_SECONDS=0, OTP_DAILY_LIMIT_FILE=2, OTP_DAILY_LIMIT_IP=3)
    _issue(db, pensioner, destination="+212600000001", ip="198.51.100.1")
    _issue(db, pensioner, destination="+212600000002", ip="198.51.100.2")
    with pytest.raises(otp.CodeLimitReached):
        _issue(db, pensioner, destination="+212600000003", ip="198.51.100.3")
    _issue(db, other_pensioner, destination="+33600000001", ip="192.0.2.9")
    _issue(db, other_pensioner, destination="+33600000002", ip="192.0.2.9")
    ctx.config["OTP_DAILY_LIMIT_FILE"] = 10
    _issue(db, other_pensioner, destination="+33600000003", ip="192.0.2.9")
    with pytest.raises(otp.CodeLimitReached):
        _issue(db, other_pensioner, destination="+33600000004", ip="192.0.2.9")


def test_two_people_typing_the_same_code_at_once_only_one_wins(app, ctx, db, pensioner):
    """Separate connections, released together, many rounds: exactly one success each time."""
    app.config["OTP_RESEND_SECONDS"] = 0
    app.config["OTP_DAILY_LIMIT_DESTINATION"] = 100
    app.config["OTP_DAILY_LIMIT_FILE"] = 100
    engine = app.extensions["db_engine"]
    assert engine.dialect.name == "postgresql"
    for _ in range(15):
        code = _issue(db, pensioner, ip=None)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def guess(code=code, barrier=barrier, outcomes=outcomes):
            with app.test_request_context(), Session(engine) as own:
                own.connection()  # its own connection, opened before the race
                barrier.wait()
                try:
                    otp.verify(own, "enrol_contact", code, pensioner_id=pensioner.id)
                    outcomes.append("won")
                except otp.CodeError as exc:
                    outcomes.append(type(exc).__name__)

        threads = [threading.Thread(target=guess) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes) == ["CodeExpired", "won"]
