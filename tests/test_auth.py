"""Logging in safely: delays not lock-outs, fresh sessions, timeouts, CSRF, headers."""

import re
from datetime import timedelta

import pytest

from tests.conftest import AuthActions
from webapp import create_app
from webapp.models import LoginThrottle, utcnow
from webapp.services import throttle


def test_pensioner_logs_in_with_dp_and_password(client, demo, auth):
    response = auth.login("dp100001 ", "Demo2026!")
    assert response.status_code == 302 and response.headers["Location"] == "/space/"
    assert b"Bonjour Mohammed" in client.get("/space/").data


def test_wrong_password_gets_a_clear_message(client, demo, auth):
    response = auth.login("DP100001", "nope")
    assert response.status_code == 422
    assert "Numéro de dossier ou mot de passe incorrect.".encode() in response.data
    assert client.get("/space/").status_code == 302


def test_failures_grow_a_delay_that_expires(app, client, demo, auth, db):
    with app.app_context():
        key = throttle.key_for("pensioner", "DP100001", "127.0.0.1")

    def counter():
        db.expire_all()
        return db.get(LoginThrottle, key)

    for _ in range(3):
        auth.login("DP100001", "bad")
    first_wait = counter().locked_until - utcnow()
    assert timedelta(seconds=20) < first_wait <= timedelta(seconds=31)
    # Even the right password waits while the delay runs (from this network)...
    response = auth.login("DP100001", "Demo2026!")
    assert "Réessayez dans 1 minute.".encode() in response.data
    # ...each further failure doubles it, capped, never a permanent lock.
    row = counter()
    row.locked_until = utcnow() - timedelta(seconds=1)
    db.commit()
    auth.login("DP100001", "bad")
    assert counter().locked_until - utcnow() > timedelta(seconds=50)
    row = counter()
    row.failures, row.locked_until = 40, utcnow() - timedelta(seconds=1)
    db.commit()
    auth.login("DP100001", "bad")
    assert counter().locked_until - utcnow() <= timedelta(minutes=15)
    row = counter()
    row.locked_until = utcnow() - timedelta(seconds=1)
    db.commit()
    assert auth.login("DP100001", "Demo2026!").headers["Location"] == "/space/"
    assert counter().failures == 0


def test_unknown_dp_gets_the_same_message(demo, auth):
    response = auth.login("DP999999", "whatever1")
    assert "Numéro de dossier ou mot de passe incorrect.".encode() in response.data


def test_login_rotates_the_session_cookie(client, demo, auth):
    client.get("/auth/login")
    before = client.get_cookie("dv_session")
    auth.login()
    after = client.get_cookie("dv_session")
    assert after is not None and (before is None or before.value != after.value)


def test_idle_session_expires(app, client, demo, auth):
    auth.login()
    with client.session_transaction() as session:
        session["seen_at"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 5
    response = client.get("/space/payments")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_absolute_session_limit(app, client, demo, auth):
    auth.login()
    with client.session_transaction() as session:
        session["login_at"] -= app.config["SESSION_ABSOLUTE_HOURS"] * 3600 + 5
    assert client.get("/space/").status_code == 302


def test_password_change_ends_other_sessions(app, demo):
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        AuthActions(c).login()
    response = first.post(
        "/auth/password",
        data={"current": "Demo2026!", "new": "Autre2026x", "confirm": "Autre2026x"},
    )
    assert response.status_code == 302
    assert first.get("/space/").status_code == 200
    assert second.get("/space/").status_code == 302


def test_weak_new_password_is_refused_next_to_the_field(client, demo, auth):
    auth.login()
    response = client.post(
        "/auth/password", data={"current": "Demo2026!", "new": "abc", "confirm": "abc"}
    )
    assert response.status_code == 422
    assert re.search(rb'id="new-error"[^>]*>.*Au moins 8 caract', response.data, re.S)


def test_staff_and_pensioner_sessions_stay_apart(client, demo, auth):
    auth.login()
    assert client.get("/staff/").status_code == 302
    auth.staff_login()
    assert client.get("/staff/").status_code == 200
    assert client.get("/space/").status_code == 403


def test_logout_requires_post_and_clears_session(client, demo, auth):
    auth.login()
    assert client.get("/auth/logout").status_code == 405
    response = auth.logout()
    assert response.headers["Location"] == "/?logged_out=1"
    assert client.get("/space/").status_code == 302


@pytest.fixture
def csrf_app(pg_url):
    app = create_app(
        {"TESTING": True, "DATABASE_URL": pg_url, "SECRET_KEY": "x", "RATELIMIT_ENABLED": False}
    )
    yield app
    app.extensions["db_engine"].dispose()


def test_forms_and_htmx_requests_need_the_csrf_token(csrf_app, demo):
    client = csrf_app.test_client()
    response = client.post("/auth/login", data={"dp_number": "DP100001", "password": "Demo2026!"})
    assert response.status_code == 400
    assert "La page a expiré".encode() in response.data
    page = client.get("/auth/login").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/auth/login", data={"dp_number": "DP100001", "password": "Demo2026!", "csrf_token": token}
    )
    assert response.status_code == 302
    home = client.get("/space/contact").data.decode()
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
    htmx = {"HX-Request": "true"}
    form = {"country": "MAR", "children": "1"}
    assert client.post("/space/contact", data=form, headers=htmx).status_code == 400
    ok = client.post("/space/contact", data=form, headers={**htmx, "X-CSRFToken": header_token})
    assert ok.status_code == 200


def test_login_is_rate_limited_per_ip(pg_url, demo):
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
    codes = [
        client.post("/auth/login", data={"dp_number": f"DP{i}", "password": "x"}).status_code
        for i in range(5)
    ]
    app.extensions["db_engine"].dispose()
    assert codes[:3] == [422, 422, 422] and codes[3:] == [429, 429]


def test_security_headers_without_unsafe_inline(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "HX-Request" in response.headers["Vary"]


def test_production_config_sets_secure_cookies(monkeypatch, pg_url):
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": pg_url})
    app = create_app(
        {
            "DATABASE_URL": pg_url,
            "SECRET_KEY": "Yq3v8n2LrT0sWc6pXk1bZe5uJm9hGd4aFt7",
            "TEMPLATE_KEY": "0" * 43,
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["HSTS"]
    response = app.test_client().get("/", base_url="https://example.org")
    assert "max-age" in response.headers["Strict-Transport-Security"]
    app.extensions["db_engine"].dispose()


def test_pages_of_a_pensioner_are_private_and_staff_pages_not_stored(client, demo, auth):
    auth.login()
    assert client.get("/space/payments").headers["Cache-Control"] == "private, no-cache"
    auth.staff_login()
    assert client.get("/staff/").headers["Cache-Control"] == "no-store"
