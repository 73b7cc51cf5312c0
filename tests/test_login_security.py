"""Login throttling that cannot be raced, probed or turned against the owner; real logout."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from webapp import create_app
from webapp.models import AuditEvent, LoginThrottle, Pensioner, utcnow
from webapp.services import throttle

TOO_MANY = "Réessayez dans".encode()
INCORRECT = "Numéro de dossier ou mot de passe incorrect.".encode()


def _login(client, dp="DP100001", password="bad", ip="127.0.0.1"):
    return client.post(
        "/auth/login",
        data={"dp_number": dp, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def _counter(app, db, kind, identifier, ip=None) -> LoginThrottle | None:
    with app.app_context():
        key = throttle.key_for(kind, identifier, ip)
    db.expire_all()
    return db.get(LoginThrottle, key)


@pytest.fixture
def roomy_app(pg_url):
    """Room for many failures before any delay, so every attempt is evaluated."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": pg_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "LOGIN_FREE_FAILURES": 100,
            "LOGIN_ACCOUNT_FREE_FAILURES": 100,
        }
    )
    yield app
    app.extensions["db_engine"].dispose()


def _parallel_logins(app, n: int) -> list[bytes]:
    barrier = threading.Barrier(n)
    bodies: list[bytes] = [b""] * n

    def attempt(i: int) -> None:
        client = app.test_client()  # its own request context, session and connection
        barrier.wait()
        bodies[i] = _login(client).data

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return bodies


def test_parallel_wrong_passwords_are_each_counted(roomy_app, demo, db):
    bodies = _parallel_logins(roomy_app, 19)
    assert all(INCORRECT in b for b in bodies)
    counter = _counter(roomy_app, db, "pensioner", "DP100001", "127.0.0.1")
    assert counter is not None and counter.failures == 19
    overall = _counter(roomy_app, db, "pensioner", "DP100001")
    assert overall is not None and overall.failures == 19


def test_parallel_wrong_passwords_get_only_the_free_tries(app, demo, db):
    bodies = _parallel_logins(app, 12)
    evaluated = [b for b in bodies if INCORRECT in b]
    assert len(evaluated) == app.config["LOGIN_FREE_FAILURES"]
    assert sum(TOO_MANY in b for b in bodies) == 12 - len(evaluated)


def test_unknown_and_known_dp_numbers_look_alike(client, demo):
    known = [_login(client, "DP100001") for _ in range(4)]
    unknown = [_login(client, "DP999999") for _ in range(4)]
    for a, b in zip(known, unknown, strict=True):
        assert a.status_code == b.status_code == 422
    assert INCORRECT in known[0].data and INCORRECT in unknown[0].data
    assert TOO_MANY in known[3].data and TOO_MANY in unknown[3].data


def test_a_stranger_cannot_lock_the_owner_out(client, demo):
    for _ in range(10):
        _login(client, ip="198.51.100.7")
    assert TOO_MANY in _login(client, password="Demo2026!", ip="198.51.100.7").data
    response = _login(client, password="Demo2026!", ip="203.0.113.5")
    assert response.status_code == 302 and response.headers["Location"] == "/space/"


def test_many_addresses_hit_an_overall_ceiling_that_only_slows(app, client, demo, db):
    free = app.config["LOGIN_ACCOUNT_FREE_FAILURES"]
    for i in range(free):
        assert INCORRECT in _login(client, ip=f"10.0.{i}.1").data
    # The owner, from yet another address, waits a little...
    slowed = _login(client, password="Demo2026!", ip="192.0.2.44")
    assert TOO_MANY in slowed.data and b"1 minute." in slowed.data
    overall = _counter(app, db, "pensioner", "DP100001")
    assert overall.locked_until - utcnow() <= timedelta(
        seconds=app.config["LOGIN_ACCOUNT_MAX_DELAY_SECONDS"]
    )
    # ...and gets in once it has run out.
    overall.locked_until = utcnow() - timedelta(seconds=1)
    db.commit()
    assert _login(client, password="Demo2026!", ip="192.0.2.44").status_code == 302


def test_changing_email_with_wrong_passwords_is_throttled_and_audited(client, demo, auth, db):
    auth.login()
    form = {"email": "new@example.org", "country": "MAR"}
    codes = [
        client.post("/space/contact", data={**form, "password": f"guess{i}x"}) for i in range(4)
    ]
    assert all(r.status_code == 422 for r in codes)
    assert TOO_MANY in codes[3].data
    # Even the right password waits now; nothing was saved.
    right = client.post("/space/contact", data={**form, "password": "Demo2026!"})
    assert TOO_MANY in right.data
    p = db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
    assert p.email != "new@example.org"
    failed = db.exec(select(AuditEvent).where(AuditEvent.action == "reauth_failed")).all()
    assert len(failed) == 3 and all(e.actor_id == p.id for e in failed)


def test_password_change_guesses_share_the_login_throttle(client, demo, auth):
    auth.login()
    for i in range(3):
        response = client.post(
            "/auth/password",
            data={"current": f"guess{i}x", "new": "Autre2026x", "confirm": "Autre2026x"},
        )
        assert b"Mot de passe incorrect." in response.data
    response = client.post(
        "/auth/password",
        data={"current": "Demo2026!", "new": "Autre2026x", "confirm": "Autre2026x"},
    )
    assert response.status_code == 422 and TOO_MANY in response.data
    # The login form from this address is throttled too: one counter.
    auth.logout()
    assert TOO_MANY in _login(client, password="Demo2026!").data


def test_a_cookie_copied_before_logout_opens_nothing_after(app, client, demo, auth, db):
    auth.login()
    stolen = client.get_cookie("dv_session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("dv_session", stolen)
    assert thief.get("/space/").status_code == 302
    thief.post("/space/contact", data={"gsm": "+212600000099", "country": "MAR"})
    p = db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
    assert p.gsm != "+212600000099"


def test_a_staff_cookie_copied_before_logout_opens_nothing_after(app, client, demo, auth):
    auth.staff_login()
    stolen = client.get_cookie("dv_session").value
    client.post("/staff/logout")
    thief = app.test_client()
    thief.set_cookie("dv_session", stolen)
    assert thief.get("/staff/").status_code == 302


def test_one_login_bucket_for_pensioner_and_staff_forms(pg_url, demo):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": pg_url,
            "SECRET_KEY": "x",
            "WTF_CSRF_ENABLED": False,
            "LOGIN_IP_LIMIT": "3 per minute",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    client = app.test_client()
    codes = [_login(client, f"DP{i}").status_code for i in range(4)]
    staff = client.post(
        "/staff/login", data={"email": "conseiller@demo.dialvie.ma", "password": "Conseil2026!"}
    )
    app.extensions["db_engine"].dispose()
    assert codes == [422, 422, 422, 429]
    assert staff.status_code == 429


def test_the_daily_cycle_forgets_old_counters(app, client, demo, db):
    from datetime import date

    from webapp.services import daily

    _login(client, "DP999999")
    for row in db.exec(select(LoginThrottle)).all():
        row.updated_at = utcnow() - timedelta(days=3)
    db.commit()
    _login(client, "DP999998")  # a fresh one stays
    with app.app_context():
        from webapp.db import get_session

        assert daily.cycle(get_session(), date.today())["login_counters_purged"] == 2
    db.expire_all()
    assert len(db.exec(select(LoginThrottle)).all()) == 2
